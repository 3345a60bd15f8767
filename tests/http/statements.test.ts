import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { formatMoney } from '../../server/lib/money';
import { parisDate } from '../../server/lib/paris-time';
import type { SqlValue } from '../../db/read-program';
import { postgresTill } from '../../server/domain/redemptions/till-postgres';
import { sqliteTill } from '../../server/domain/redemptions/redemptions-service';
import { runSettlement } from '../../server/domain/settlements/run-settlement';
import { pgSettlementUnits } from '../../server/domain/settlements/settlement-store-pg';
import { sqliteSettlementUnits } from '../../server/domain/settlements/settlement-store-sqlite';
import { rowOf, rowsOf } from '../support/backend-query';
import { buyVouchers, type BuiltVoucher } from '../support/builders';
import { csvCents as euros, csvRows } from '../support/csv';
import { FormClient, fixedClock, startTestApp, type TestApp } from '../support/test-app';
import { popplerAvailable } from '../support/poppler';

/**
 * The shop's statement pages and documents, end to end: a real settlement (two campaigns at
 * different rates, amounts whose per-line commission needs the running rounding), then
 * what the shop owner sees and downloads, and what another shop or a visitor cannot.
 * On either backend (TEST_BACKEND=postgres): the vouchers are bought on the SQLite file
 * before the copy; redemptions and settlements run on the app's backend.
 */

const hasPdftotext = popplerAvailable(); // skipped with a notice without poppler-utils; mandatory under REQUIRE_POPPLER=1 (CI)
if (!hasPdftotext && process.env.CI) throw new Error('CI must install poppler-utils (pdftotext) to read the statement PDFs');
if (!hasPdftotext) console.warn('pdftotext missing (poppler-utils): the PDF contents are not checked');

const T0 = new Date('2026-11-16T09:00:00Z');
const clock = fixedClock(T0);
const A = 'bijouterie-falaise';
const B = 'fromagerie-du-marche';
const OWNER_A = 'bijouterie@demo.bons-locaux.fr';
const OWNER_B = 'fromagerie@demo.bons-locaux.fr';
const SEINE = [50, 50, 50, 12_34, 7_77, 17]; // 3 %: one line at a time 67 cents, on the total 65
const NOEL = [30, 30, 30, 20_01, 2]; // 2.5 %: one line at a time 53 cents, on the total 52
/** Intl puts (narrow) no-break spaces in amounts and rates: compared as plain spaces. */
const norm = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
const m = (cents: number) => norm(formatMoney(cents, 'fr'));

let app: TestApp;
let dir = '';
let first = { id: '', reference: '', invoice: '', iban: '', batch: '' };
let second = { id: '', reference: '' };
let otherId = '';
let ownerA: FormClient;
/** Bought before the start, redeemed 140 times for the long statement. */
let spare: BuiltVoucher;

type Row = Record<string, number | string>;
// Portable SQL on the app's backend (tests/support/backend-query.ts).
const q = <T = Row>(sql: string, params: Record<string, SqlValue> = {}) => rowsOf<T>(app, sql, params);
const merchantId = async (slug: string) => (await rowOf<{ id: string }>(app, `SELECT id FROM merchants WHERE slug = @slug`, { slug }))!.id;

let seq = 0;
/** One redemption through the till's service on the app's backend. */
function take(merchant: string, code: string, amountCents: number) {
  const deps = { clock: app.clock, voidWindowMinutes: app.config.voidWindowMinutes };
  const till = app.pg ? postgresTill(app.pg, deps) : sqliteTill({ ...deps, database: app.database });
  return till.redeem({ merchantId: merchant, actor: 'test', code, amountCents, idempotencyKey: `statements-test-${++seq}` });
}

/** A settlement up to `until` on the app's backend (the weekly job's path). */
function settle(until: string) {
  const units = app.pg ? pgSettlementUnits(app.pg) : sqliteSettlementUnits(app.database);
  return runSettlement({ units, clock: app.clock, voidWindowMinutes: app.config.voidWindowMinutes, operator: app.config.operator, dataDir: app.dataDir, transfers: null }, { until, actor: 'test' });
}

async function signedIn(email: string): Promise<FormClient> {
  const client = new FormClient(app.url);
  const page = await client.get('/connexion');
  const res = await client.post('/connexion', { email, password: DEMO_PASSWORD, next: '/commercant' }, page.html);
  expect(res.res.status).toBe(303);
  return client;
}

/** pdftotext -layout of a PDF body (pages separated by form feeds). */
function pdfText(body: Buffer): string {
  const file = join(dir, `doc-${Date.now()}-${Math.random()}.pdf`);
  writeFileSync(file, body);
  return norm(execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'statements-'));
  let seine: BuiltVoucher, other: BuiltVoucher, noel: BuiltVoucher;
  app = await startTestApp({
    clock,
    prepare: async (database) => {
      database.sqlite.prepare(`UPDATE campaigns SET commission_bps = 250 WHERE slug = 'noel-fecamp'`).run();
      database.sqlite.prepare(`UPDATE merchants SET siret = '44306184100047' WHERE slug = ?`).run(A);
      [seine, other] = (await buyVouchers({ database, clock }, { amountCents: 100_00, quantity: 2 })) as [BuiltVoucher, BuiltVoucher];
      [noel] = (await buyVouchers({ database, clock }, { amountCents: 50_00, campaign: 'noel-fecamp' })) as [BuiltVoucher];
      [spare] = (await buyVouchers({ database, clock }, { amountCents: 100_00 })) as [BuiltVoucher];
    },
  });
  const a = await merchantId(A);
  for (const cents of SEINE) await take(a, seine!.code, cents);
  for (const cents of NOEL) await take(a, noel!.code, cents);
  await take(await merchantId(B), other!.code, 33_33);
  clock.set(new Date(T0.getTime() + 31 * 60_000)); // past the void window
  const run = await settle(parisDate(clock.now()));
  const s = await q<{ id: string; reference: string; invoice_number: string; iban: string; batch: string; merchant_id: string }>(
    `SELECT s.id, s.reference, s.invoice_number, s.iban, b.reference AS batch, s.merchant_id FROM statements s JOIN settlement_batches b ON b.id = s.batch_id WHERE b.id = @batch`, { batch: run.batch!.id });
  const mine = s.find((x) => x.merchant_id === a)!;
  first = { id: mine.id, reference: mine.reference, invoice: mine.invoice_number, iban: mine.iban, batch: mine.batch };
  otherId = s.find((x) => x.merchant_id !== a)!.id;
  ownerA = await signedIn(OWNER_A);
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a shop’s statements', () => {
  it('stores the per-campaign totals the running rounding must reach', async () => {
    expect(await q(`SELECT c.slug, sc.redemption_count AS n, sc.gross_cents AS gross, sc.commission_cents AS commission, sc.vat_cents AS vat FROM statement_campaigns sc JOIN campaigns c ON c.id = sc.campaign_id WHERE sc.statement_id = @id ORDER BY c.slug`, { id: first.id })).toEqual([
      { slug: 'noel-fecamp', n: 5, gross: 20_93, commission: 52, vat: 10 },
      { slug: 'seine-estuaire', n: 6, gross: 21_78, commission: 65, vat: 13 },
    ]);
  });

  it('lists them with amounts, method and status, linked from the statement mail', async () => {
    const list = await ownerA.get('/commercant/releves');
    expect(list.res.status).toBe(200);
    for (const text of [first.reference, m(42_71), m(117 + 23), m(41_31), 'Virement SEPA', 'En attente', 'href="/commercant/releves"']) expect(norm(list.html)).toContain(text);
    expect(list.html).not.toContain((await q<{ reference: string }>(`SELECT reference FROM statements WHERE id = @id`, { id: otherId }))[0]!.reference);

    await app.drainOutbox();
    const mail = readdirSync(join(app.dataDir, 'outbox')).filter((f) => f.endsWith(`${OWNER_A}.eml`)).map((f) => readFileSync(join(app.dataDir, 'outbox', f), 'utf8').replace(/=\r?\n/g, '')).join('\n');
    const link = /\/commercant\/releves\/([0-9a-f-]{36})/.exec(mail);
    expect(link?.[1]).toBe(first.id);
  });

  it('shows the detail: per-campaign summary, masked IBAN, links to the documents', async () => {
    const page = await ownerA.get(`/commercant/releves/${first.id}`);
    expect(page.res.status).toBe(200);
    const ibanMasked = `${first.iban.slice(0, 4)} •••• •••• ${first.iban.slice(-4)}`;
    for (const text of [first.reference, first.batch, first.invoice, 'Noël à Fécamp', m(20_93), m(21_78), '2,5 %', '3 %', m(52), m(65), m(13), m(41_31), ibanMasked, `/commercant/releves/${first.id}.pdf`, `/commercant/releves/${first.id}.csv`, `/commercant/releves/${first.id}/facture.pdf`]) {
      expect(norm(page.html)).toContain(text);
    }
    expect(page.html).not.toContain(first.iban);
  });

  it('exports a CSV whose columns add up exactly to the stored totals', async () => {
    const res = await ownerA.request(`/commercant/releves/${first.id}.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM French Excel needs
    const text = bytes.toString('utf8');
    const [header, ...rest] = csvRows(text);
    expect(header).toEqual(['N°', 'Date et heure', 'Bon', 'Campagne', 'Brut', 'Commission HT', 'TVA', 'Net']);
    const total = rest.pop()!;
    expect(rest).toHaveLength(11);
    const sum = (i: number) => rest.reduce((s, r) => s + euros(r[i]!), 0);
    expect([sum(4), sum(5), sum(6), sum(7)]).toEqual([42_71, 117, 23, 41_31]);
    expect(total).toEqual(['Total\u00A0: 11 opérations', '', '', '', '42,71', '1,17', '0,23', '41,31']);
    for (const r of rest) {
      expect(euros(r[4]!) - euros(r[5]!) - euros(r[6]!)).toBe(euros(r[7]!));
      expect(r[1]).toBe('2026-11-16 10:00:00');
      expect(r[2]).toMatch(/^…-[2-9A-Z]{4}$/);
    }
    // Per campaign too: the running shares reach each campaign's rounded total.
    const byCampaign = (name: string, i: number) => rest.filter((r) => r[3] === name).reduce((s, r) => s + euros(r[i]!), 0);
    expect([byCampaign('Noël à Fécamp', 5), byCampaign('Noël à Fécamp', 6)]).toEqual([52, 10]);
  });

  it.skipIf(!hasPdftotext)('renders the statement PDF with references, totals and the masked IBAN', async () => {
    const res = await ownerA.request(`/commercant/releves/${first.id}.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const text = pdfText(Buffer.from(await res.arrayBuffer()));
    for (const s of [first.reference, first.batch, first.invoice, 'Bijouterie Falaise', 'SIRET 44306184100047', 'CCI Seine Estuaire', `${first.iban.slice(0, 4)} •••• •••• ${first.iban.slice(-4)}`, 'Net versé : 41,31 €', '42,71 €', '1,17 €', '0,23 €', 'Page 1 / 1', '16 novembre 2026']) {
      expect(text).toContain(s);
    }
    expect(text).not.toContain(first.iban);
  });

  it.skipIf(!hasPdftotext)('renders the commission invoice: number, lines per campaign, VAT, paid by deduction', async () => {
    const res = await ownerA.request(`/commercant/releves/${first.id}/facture.pdf`);
    expect(res.status).toBe(200);
    const text = pdfText(Buffer.from(await res.arrayBuffer())).replace(/\s+/g, ' ');
    // The description wraps in its column: checked in pieces.
    for (const s of [first.invoice, 'FACTURE', 'Commission sur bons d’achat encaissés —', 'Fécamp (2,5 %)', '5 opérations, 20,93 € encaissés', '0,52 € 20 % 0,10 € 0,62 €', 'Total HT 1,17 €', 'TVA 20 % sur 1,17 €', 'Total TTC 1,40 €', `Montant déduit du règlement ${first.reference}`, 'N° TVA intracommunautaire', 'Bijouterie Falaise', 'SIRET 44306184100047']) {
      expect(text).toContain(s);
    }
  });

  it('keeps other shops and visitors out', async () => {
    const ownerB = await signedIn(OWNER_B);
    for (const path of ['', '.pdf', '.csv', '/facture.pdf']) {
      expect((await ownerB.request(`/commercant/releves/${first.id}${path}`)).status).toBe(404);
      const anonymous = await new FormClient(app.url).request(`/commercant/releves/${first.id}${path}`);
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.get('location')).toBe(`/connexion?next=${encodeURIComponent(`/commercant/releves/${first.id}${path}`)}`);
    }
    expect((await ownerB.request(`/commercant/releves/${otherId}`)).status).toBe(200);
    expect((await ownerA.request(`/commercant/releves/not-an-id.pdf`)).status).toBe(404);
    expect((await new FormClient(app.url).request('/commercant/releves')).status).toBe(303);
  });

  it('breaks a long statement into pages with the table head repeated and « page n / N »', async () => {
    const a = await merchantId(A);
    for (let i = 0; i < 140; i++) await take(a, spare.code, 7 + (i % 5));
    clock.advance(3600_000);
    const run = await settle(parisDate(clock.now()));
    second = (await q<{ id: string; reference: string }>(`SELECT id, reference FROM statements WHERE batch_id = @batch AND merchant_id = @shop`, { batch: run.batch!.id, shop: a }))[0]!;
    const csv = csvRows(await (await ownerA.request(`/commercant/releves/${second.id}.csv`)).text());
    expect(csv).toHaveLength(142);
    const stored = (await q<{ gross_cents: number; commission_cents: number; vat_cents: number; net_cents: number }>(`SELECT * FROM statements WHERE id = @id`, { id: second.id }))[0]!;
    const body = csv.slice(1, -1);
    expect([4, 5, 6, 7].map((i) => body.reduce((s, r) => s + euros(r[i]!), 0))).toEqual([stored.gross_cents, stored.commission_cents, stored.vat_cents, stored.net_cents]);
    if (!hasPdftotext) return;
    const pages = pdfText(Buffer.from(await (await ownerA.request(`/commercant/releves/${second.id}.pdf`)).arrayBuffer())).split('\f').filter((p) => p.trim());
    expect(pages).toHaveLength(3);
    pages.forEach((p, i) => {
      expect(p).toContain(`Page ${i + 1} / 3`);
      expect(p).toContain('Date et heure');
    });
    expect(pages[2]).toContain(`Total`);
    expect(pages[2]).toContain(m(stored.net_cents));
    const list = await ownerA.get('/commercant/releves');
    expect(list.html.indexOf(second.reference)).toBeLessThan(list.html.indexOf(first.reference));
  });

  it('shows an expired vouchers’ share paid on top of the redemptions', async () => {
    const set = (cents: number) => q(`UPDATE statements SET breakage_cents = @cents, net_cents = gross_cents - commission_cents - vat_cents + @cents WHERE id = @id`, { cents, id: first.id });
    await set(5_00);
    try {
      const page = await ownerA.get(`/commercant/releves/${first.id}`);
      expect(norm(page.html)).toContain('Part des bons expirés reversée');
      expect(norm(page.html)).toContain(m(46_31));
      const rows = csvRows(await (await ownerA.request(`/commercant/releves/${first.id}.csv`)).text());
      expect(rows.slice(-2).map((r) => r[7])).toEqual(['5,00', '46,31']);
      expect(rows.slice(1, -1).reduce((s, r) => s + euros(r[7]!), 0)).toBe(46_31);
      if (hasPdftotext) {
        const text = pdfText(Buffer.from(await (await ownerA.request(`/commercant/releves/${first.id}.pdf`)).arrayBuffer()));
        expect(text).toContain('Part des bons expirés reversée');
        expect(text).toContain('Net versé : 46,31 €');
        expect(text).toContain('Page 1 / 1');
      }
    } finally {
      await set(0);
    }
  });

  it('never serves a document whose lines do not reach the stored totals', async () => {
    const bump = (delta: number) => q(`UPDATE statement_campaigns SET commission_cents = commission_cents + @delta WHERE statement_id = @id AND commission_cents > 0`, { delta, id: first.id });
    await bump(1);
    try {
      // The CSV fails before its first chunk: a plain error page, not a file.
      const csv = await ownerA.request(`/commercant/releves/${first.id}.csv`);
      expect(csv.status).toBe(500);
      expect(csv.headers.get('content-type')).toContain('text/html');
      expect(csv.headers.get('content-disposition')).toBeNull();
      // The PDF is already streaming: the connection is cut, so no reader takes it for whole.
      const pdf = await ownerA.request(`/commercant/releves/${first.id}.pdf`);
      await expect(pdf.arrayBuffer()).rejects.toThrow();
    } finally {
      await bump(-1);
    }
    expect((await ownerA.request(`/commercant/releves/${first.id}.csv`)).status).toBe(200);
  });
});
