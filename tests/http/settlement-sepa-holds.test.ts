import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { createBatch } from '../../server/domain/settlements/settlement-service';
import { parisDate } from '../../server/lib/paris-time';
import { rowOf, rowsOf } from '../support/backend-query';
import { ledgerBreaches as booksOf } from '../support/ledger-check';
import { buyVouchersOn } from '../support/builders';
import { DEMO_ADMIN_EMAIL, operatorClient } from '../support/operator';
import { hasXmllint, merchantIdOn, settle, settlementCore, take, validateSepa } from '../support/settlement';
import { FormClient, fixedClock, startTestApp, type TestApp } from '../support/test-app';

/**
 * Finding 6 of issue 12: one shop whose account holder cannot be written in the SEPA
 * character set (EPC basic Latin) used to fail the SEPA file of the whole batch, for ever.
 * The stored holders here are written straight to the database: details entered before the
 * entry check existed (the entry check itself is tested in onboarding.test.ts).
 */
const clock = fixedClock(new Date('2026-11-16T09:00:00Z')); // a Monday morning in Paris
let app: TestApp;
let admin: FormClient;
const id: Record<string, string> = {};

beforeAll(async () => {
  app = await startTestApp({ clock });
  for (const s of ['librairie-la-galerne', 'fromagerie-du-marche', 'bijouterie-falaise', 'le-comptoir-benedictin']) id[s] = await merchantIdOn(app, s);
  admin = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
});
afterAll(() => app?.close());

// Rows on the app's backend (SQLite or PostgreSQL).
const q = <T>(sql: string, params: Record<string, string> = {}) => rowsOf<T>(app, sql, params);
const one = async <T>(sql: string, params: Record<string, string> = {}) => (await rowOf<T>(app, sql, params))!;
const setHolder = (slug: string, holder: string) => rowsOf(app, `UPDATE merchants SET account_holder = @holder WHERE id = @id`, { holder, id: id[slug]! });
/** Text of every <tag> of a pain.001 file (no nested element of the same name). */
const values = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}(?: [^>]*)?>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);
const unsettled = async (slug: string) => (await one<{ n: number }>(`SELECT COUNT(*) AS n FROM redemptions WHERE merchant_id = @id AND status = 'completed' AND statement_id IS NULL`, { id: id[slug]! })).n;
const statement = (batchId: string, slug: string) =>
  one<{ id: string; reference: string; status: string; account_holder: string; iban: string; sepa_file_seq: number | null; sepa_hold_reason: string | null }>(`SELECT * FROM statements WHERE batch_id = @batchId AND merchant_id = @id`, { batchId, id: id[slug]! });

describe('a shop whose holder cannot be written in SEPA', () => {
  it('is held back before the batch commits, visibly; the others are settled in a valid SEPA file', async () => {
    const seine = await buyVouchersOn(app, { amountCents: 100_00, quantity: 3 });
    const [noel] = await buyVouchersOn(app, { amountCents: 50_00, quantity: 1, campaign: 'noel-fecamp' });
    await take(app, id['librairie-la-galerne']!, seine[0]!.code, 10_00);
    await take(app, id['fromagerie-du-marche']!, seine[1]!.code, 20_00);
    await take(app, id['bijouterie-falaise']!, seine[2]!.code, 30_00);
    await take(app, id['le-comptoir-benedictin']!, noel!.code, 40_00);
    await setHolder('fromagerie-du-marche', '東京書店');
    await setHolder('le-comptoir-benedictin', '***');
    clock.advance(2 * 3600_000);

    const r = await settle(app, parisDate(clock.now()));
    expect(r.created).toBe(true);
    expect(r.batch!.statements.map((s) => s.merchant).sort()).toEqual(['bijouterie-falaise', 'librairie-la-galerne']);
    expect([...r.holds].sort((a, b) => a.merchant.localeCompare(b.merchant))).toEqual([
      expect.objectContaining({ merchant: 'fromagerie-du-marche', reason: 'invalid_holder', redemptionCount: 1, grossCents: 20_00 }),
      expect.objectContaining({ merchant: 'le-comptoir-benedictin', reason: 'invalid_holder', redemptionCount: 1, grossCents: 40_00 }),
    ]);
    // Their redemptions wait for the next run; nothing of theirs is in the books' payouts.
    expect(await unsettled('fromagerie-du-marche')).toBe(1);
    expect(await unsettled('le-comptoir-benedictin')).toBe(1);
    expect(await q(`SELECT reason FROM settlement_holds WHERE batch_id = @batch ORDER BY reason`, { batch: r.batch!.id })).toEqual([{ reason: 'invalid_holder' }, { reason: 'invalid_holder' }]);

    const xml = readFileSync(r.batch!.sepaFile!, 'utf8');
    expect(values(xml, 'NbOfTxs')).toEqual(['2', '2']);
    expect(values(xml, 'Nm')).toEqual(expect.arrayContaining(['Librairie La Galerne', 'Bijouterie Falaise']));
    if (hasXmllint) validateSepa(r.batch!.sepaFile!);

    const page = await admin.get(`/operateur/reglements/${r.batch!.id}`);
    expect(page.html).toContain('Commerces retenus');
    expect(page.html).toContain('titulaire du compte illisible en virement SEPA (caractères latins requis)');
    expect(await booksOf(app)).toEqual([]);
  });

  it('shows the reason in what waits, and is settled by the first run after its details are fixed', async () => {
    const waiting = await admin.get('/operateur/reglements');
    expect(waiting.html).toContain('titulaire du compte illisible en virement SEPA');
    await setHolder('fromagerie-du-marche', 'Fromagerie du Marché SARL');
    clock.advance(3600_000);
    const r = await settle(app, parisDate(clock.now()));
    expect(r.created).toBe(true);
    expect(r.batch!.statements).toEqual([expect.objectContaining({ merchant: 'fromagerie-du-marche', grossCents: 20_00 })]);
    expect(r.holds).toEqual([expect.objectContaining({ merchant: 'le-comptoir-benedictin', reason: 'invalid_holder' })]);
    const xml = readFileSync(r.batch!.sepaFile!, 'utf8');
    expect(values(xml, 'Nm')).toContain('Fromagerie du Marche SARL');
    if (hasXmllint) validateSepa(r.batch!.sepaFile!);
    expect(await booksOf(app)).toEqual([]);
  });
});

describe('a batch committed with a holder no file can carry (settled before the check)', () => {
  let batchId = '';
  let reference = '';
  let file1 = '';

  it('gets its SEPA file for the other statements; the bad one is held with its reason', async () => {
    await setHolder('le-comptoir-benedictin', 'Le Comptoir Bénédictin'); // out of the way: only this batch's shops below
    clock.advance(3600_000);
    await settle(app, parisDate(clock.now()));
    const seine = await buyVouchersOn(app, { amountCents: 100_00, quantity: 2 });
    await take(app, id['librairie-la-galerne']!, seine[0]!.code, 11_00);
    await take(app, id['bijouterie-falaise']!, seine[1]!.code, 22_00);
    clock.advance(3600_000);
    const until = parisDate(clock.now());
    // The batch as the code before the check committed it: the statement kept the holder it copied.
    const created = await createBatch(settlementCore(app), { until, actor: 'test' });
    batchId = created.batch!.id;
    reference = created.batch!.reference;
    await rowsOf(app, `UPDATE statements SET account_holder = 'Ελληνικό Καφέ' WHERE batch_id = @batchId AND merchant_id = @id`, { batchId, id: id['bijouterie-falaise']! });
    await setHolder('bijouterie-falaise', 'Ελληνικό Καφέ');

    const run = await settle(app, until);
    expect(run.created).toBe(false);
    expect(run.resumed).toContain(reference);
    const held = await statement(batchId, 'bijouterie-falaise');
    expect(run.sepaHeld).toEqual([{ batch: reference, statement: held.reference, merchant: 'bijouterie-falaise', reason: 'invalid_holder' }]);
    expect(held).toMatchObject({ status: 'pending', sepa_file_seq: null, sepa_hold_reason: 'invalid_holder' });
    expect(run.batch!.sepaFiles).toHaveLength(1);
    file1 = readFileSync(run.batch!.sepaFile!, 'utf8');
    expect(values(file1, 'EndToEndId')).toEqual([(await statement(batchId, 'librairie-la-galerne')).reference]);
    expect(values(file1, 'MsgId')).toEqual([(await one<{ m: string }>(`SELECT message_id AS m FROM settlement_batches WHERE id = @batchId`, { batchId })).m]);
    if (hasXmllint) validateSepa(run.batch!.sepaFile!);
    expect((await admin.get(`/operateur/reglements/${batchId}/sepa.xml`)).html).toBe(file1);

    const page = await admin.get(`/operateur/reglements/${batchId}`);
    expect(page.html).toContain('Hors fichier SEPA\u00A0: titulaire du compte illisible en virement (caractères latins requis)');
    expect(page.html).toContain('Produire le fichier SEPA des relevés restants');
    // The shop sees why its transfer waits.
    const shop = new FormClient(app.url);
    const signIn = await shop.get('/connexion');
    expect((await shop.post('/connexion', { email: 'bijouterie@demo.bons-locaux.fr', password: DEMO_PASSWORD, next: '/commercant' }, signIn.html)).res.status).toBe(303);
    expect((await shop.get('/commercant/releves')).html).toContain('Virement retenu\u00A0: vos coordonnées bancaires ne peuvent pas figurer dans un virement SEPA');
    // Producing again before the fix changes nothing and says why.
    const again = await admin.post(`/operateur/reglements/${batchId}/sepa`, {}, page.html);
    expect(again.res.status).toBe(200);
    expect(again.html).toContain('1 relevé toujours retenu');
    expect((await admin.request(`/operateur/reglements/${batchId}/sepa-2.xml`)).status).toBe(404);
    expect(await booksOf(app)).toEqual([]);
  });

  it('is completed by a second file once the shop is fixed; the first file never changes', async () => {
    await setHolder('bijouterie-falaise', 'Bijouterie Falaise SARL');
    await rowsOf(app, `UPDATE merchants SET iban = 'FR76 3000 6000 0112 3456 7890 189' WHERE id = @id`, { id: id['bijouterie-falaise']! });
    // A valid copy is what the shop had when settled: file 1 does not follow a later edit.
    await rowsOf(app, `UPDATE merchants SET iban = 'DE89370400440532013000' WHERE id = @id`, { id: id['librairie-la-galerne']! });
    const page = await admin.get(`/operateur/reglements/${batchId}`);
    const done = await admin.post(`/operateur/reglements/${batchId}/sepa`, {}, page.html);
    expect(done.res.status).toBe(200);
    expect(done.html).toContain('Fichier SEPA n° 2 produit');

    const fixed = await statement(batchId, 'bijouterie-falaise');
    expect(fixed).toMatchObject({ account_holder: 'Bijouterie Falaise SARL', iban: 'FR7630006000011234567890189', sepa_file_seq: 2, sepa_hold_reason: null });
    expect(await q<{ actor: string; before: string; after: string }>(`SELECT actor, before, after FROM audit_log WHERE action = 'statement_bank_details_refreshed' AND entity_id = @id`, { id: fixed.id })).toEqual([
      expect.objectContaining({ actor: expect.stringMatching(/^operator:/), before: expect.stringContaining('Ελληνικό Καφέ'), after: expect.stringContaining('Bijouterie Falaise SARL') }),
    ]);
    const file2 = await admin.get(`/operateur/reglements/${batchId}/sepa-2.xml`);
    expect(file2.res.status).toBe(200);
    expect(file2.res.headers.get('content-disposition')).toBe(`attachment; filename="${reference}-2.xml"`);
    expect(values(file2.html, 'EndToEndId')).toEqual([fixed.reference]);
    expect(values(file2.html, 'Nm')).toContain('Bijouterie Falaise SARL');
    const msg = (await one<{ m: string }>(`SELECT message_id AS m FROM settlement_batches WHERE id = @batchId`, { batchId })).m;
    expect(values(file2.html, 'MsgId')).toEqual([`${msg}-2`]);
    expect((await admin.get(`/operateur/reglements/${batchId}/sepa.xml`)).html).toBe(file1);
    // The next run rewrites both on disk, byte for byte.
    const run = await settle(app, parisDate(clock.now()));
    expect(run.sepaHeld).toEqual([]);
    const onDisk = await q<{ seq: number }>(`SELECT seq FROM sepa_files WHERE batch_id = @batchId ORDER BY seq`, { batchId });
    expect(onDisk).toEqual([{ seq: 1 }, { seq: 2 }]);
    expect(readFileSync(`${app.dataDir}/settlements/${reference}.xml`, 'utf8')).toBe(file1);
    expect(readFileSync(`${app.dataDir}/settlements/${reference}-2.xml`, 'utf8')).toBe(file2.html);
    if (hasXmllint) validateSepa(`${app.dataDir}/settlements/${reference}.xml`, `${app.dataDir}/settlements/${reference}-2.xml`);
  });

  it('pays each statement when the file carrying it is executed, and closes the batch with the last one', async () => {
    const page = await admin.get(`/operateur/reglements/${batchId}`);
    const first = await admin.post(`/operateur/reglements/${batchId}/execute`, { file: '1' }, page.html);
    expect(first.html).toContain('1 relevé marqué payé');
    expect((await statement(batchId, 'librairie-la-galerne')).status).toBe('paid');
    expect((await statement(batchId, 'bijouterie-falaise')).status).toBe('pending');
    expect((await one<{ e: string | null }>(`SELECT sepa_executed_at AS e FROM settlement_batches WHERE id = @batchId`, { batchId })).e).toBeNull();
    const second = await admin.post(`/operateur/reglements/${batchId}/execute`, { file: '2' }, page.html);
    expect(second.html).toContain('1 relevé marqué payé');
    expect((await statement(batchId, 'bijouterie-falaise')).status).toBe('paid');
    expect((await one<{ e: string | null }>(`SELECT sepa_executed_at AS e FROM settlement_batches WHERE id = @batchId`, { batchId })).e).not.toBeNull();
    expect((await admin.post(`/operateur/reglements/${batchId}/execute`, {}, page.html)).html).toContain('déjà marqué exécuté');
    expect(await booksOf(app)).toEqual([]);
  });

  it('check-ledger sees a statement of an executed file left unpaid, and one in a file that was never recorded', async () => {
    const s = await statement(batchId, 'bijouterie-falaise');
    const invariants = async () => (await booksOf(app)).map((b) => b.invariant);
    await rowsOf(app, `UPDATE statements SET status = 'pending' WHERE id = @id`, { id: s.id });
    expect(await invariants()).toContain('sepa_executed_file_statements_paid');
    await rowsOf(app, `UPDATE statements SET status = 'paid', sepa_file_seq = 7 WHERE id = @id`, { id: s.id });
    expect(await invariants()).toEqual(['sepa_statement_in_recorded_file']);
    await rowsOf(app, `UPDATE statements SET sepa_file_seq = 2 WHERE id = @id`, { id: s.id });
    expect(await booksOf(app)).toEqual([]);
  });
});
