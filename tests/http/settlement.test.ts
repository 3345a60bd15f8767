import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../support/backend-query';
import { ledgerBreaches } from '../support/ledger-check';
import { markSepaExecutedOn, merchantIdOn, settle, take, voidOn } from '../support/settlement';
import { parisDate } from '../../server/lib/paris-time';
import { buyVouchersOn as buyVouchers } from '../support/builders';
import { hasXmllint, validateSepa } from '../support/settlement';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

const T0 = new Date('2026-11-16T09:00:00Z'); // a Monday morning in Paris
const clock = fixedClock(T0);
let app: TestApp;
const ids: Record<string, string> = {};
const SHOPS = ['librairie-la-galerne', 'fromagerie-du-marche', 'bijouterie-falaise'] as const;

beforeAll(async () => {
  app = await startTestApp({ clock });
  for (const s of [...SHOPS, 'le-comptoir-benedictin']) ids[s] = await merchantIdOn(app, s);
});
afterAll(() => app?.close());

const q = <T>(sql: string, params: Record<string, string> = {}) => rowsOf<T>(app, sql, params);
const statementOf = async (slug: string, batchId: string) =>
  (await q<{ gross_cents: number; commission_cents: number; vat_cents: number; net_cents: number; redemption_count: number; status: string }>(
    `SELECT * FROM statements WHERE merchant_id = @m AND batch_id = @b`, { m: ids[slug]!, b: batchId }))[0];

describe('settlement across 3 shops and 2 campaigns', () => {
  let batchId = '';
  let voidedId = '';
  let settledId = '';

  it('settles partial redemptions per shop, skips voids, reconciles to the cent, writes a valid SEPA file', async () => {
    const seine = await buyVouchers(app, { amountCents: 100_00, quantity: 3 });
    const noel = await buyVouchers(app, { amountCents: 50_00, quantity: 2, campaign: 'noel-fecamp' });
    const [galerne, fromagerie, bijouterie] = SHOPS.map((s) => ids[s]!);
    settledId = (await take(app, galerne!, seine[0]!.code, 12_34)).redemption.id;
    await take(app, galerne!, seine[0]!.code, 7_77);
    voidedId = (await take(app, galerne!, seine[1]!.code, 40_00)).redemption.id;
    await voidOn(app, { merchantId: galerne!, actor: 'test', redemptionId: voidedId });
    await take(app, fromagerie!, seine[1]!.code, 33_33);
    await take(app, bijouterie!, seine[2]!.code, 100_00);
    await take(app, bijouterie!, noel[0]!.code, 20_01);
    await take(app, bijouterie!, noel[1]!.code, 49_99);
    // Different commission per campaign: the rounding unit is statement × campaign.
    await q(`UPDATE campaigns SET commission_bps = 250 WHERE slug = 'noel-fecamp'`);

    clock.set(new Date(T0.getTime() + 2 * 3600_000));
    const r = await settle(app, parisDate(clock.now()));
    expect(r.created).toBe(true);
    batchId = r.batch!.id;
    expect(r.batch!.statements.map((s) => s.merchant).sort()).toEqual([...SHOPS].sort());

    // 3 % then 20 % VAT, half-up, per campaign: 20,11 € → 0,60 € (0.6033) → VAT 0,12 €.
    expect(await statementOf('librairie-la-galerne', batchId)).toMatchObject({ gross_cents: 20_11, commission_cents: 60, vat_cents: 12, net_cents: 20_11 - 72, redemption_count: 2 });
    expect(await statementOf('fromagerie-du-marche', batchId)).toMatchObject({ gross_cents: 33_33, commission_cents: 1_00, vat_cents: 20, redemption_count: 1 });
    // bijouterie: seine 100 € → 3,00 + 0,60; noel 70 € at 2.5 % → 1,75 + 0,35.
    expect(await statementOf('bijouterie-falaise', batchId)).toMatchObject({ gross_cents: 170_00, commission_cents: 4_75, vat_cents: 95, net_cents: 170_00 - 5_70, redemption_count: 3 });
    for (const s of r.batch!.statements) expect(s.netCents + s.commissionCents + s.vatCents).toBe(s.grossCents);
    expect(r.batch!.grossCents).toBe(20_11 + 33_33 + 170_00);
    expect(await q(`SELECT statement_id FROM redemptions WHERE id = @id`, { id: voidedId })).toEqual([{ statement_id: null }]);
    expect(await ledgerBreaches(app)).toEqual([]);

    const file = r.batch!.sepaFile!;
    const xml = readFileSync(file, 'utf8');
    expect(xml).toContain('<NbOfTxs>3</NbOfTxs>');
    expect(xml).toContain(`<CtrlSum>${((r.batch!.netCents) / 100).toFixed(2)}</CtrlSum>`);
    if (hasXmllint) validateSepa(file);
  });

  it('is a no-op when run again: nothing new, the same SEPA file byte for byte', async () => {
    const before = readFileSync(`${app.dataDir}/settlements/${(await q<{ reference: string }>(`SELECT reference FROM settlement_batches WHERE id = @id`, { id: batchId }))[0]!.reference}.xml`);
    const counts = await q(`SELECT (SELECT COUNT(*) FROM statements) AS s, (SELECT COUNT(*) FROM journals) AS j, (SELECT COUNT(*) FROM outbox_messages) AS m`);
    const r = await settle(app, parisDate(clock.now()));
    expect(r.created).toBe(false);
    expect(r.batch!.id).toBe(batchId);
    expect(await q(`SELECT (SELECT COUNT(*) FROM statements) AS s, (SELECT COUNT(*) FROM journals) AS j, (SELECT COUNT(*) FROM outbox_messages) AS m`)).toEqual(counts);
    expect(readFileSync(r.batch!.sepaFile!)).toEqual(before);
  });

  it('locks settled redemptions against voids, and mails each shop its statement', async () => {
    clock.set(new Date(T0.getTime() + 2 * 3600_000));
    await expect(voidOn(app, { merchantId: ids['librairie-la-galerne']!, actor: 'test', redemptionId: settledId })).rejects.toMatchObject({ code: 'REDEMPTION_SETTLED' });
    const mails = await q<{ recipient: string }>(`SELECT recipient FROM outbox_messages WHERE kind = 'settlement_statement'`);
    expect(mails.length).toBeGreaterThanOrEqual(3);
    const { sent } = await app.drainOutbox();
    expect(sent).toBeGreaterThanOrEqual(3);
  });

  it('leaves a redemption still inside its void window for the next run', async () => {
    const [v] = await buyVouchers(app, { amountCents: 30_00, quantity: 1 });
    const id = (await take(app, ids['librairie-la-galerne']!, v!.code, 10_00)).redemption.id;
    const r = await settle(app, parisDate(clock.now()));
    expect(r.created).toBe(false);
    expect(await q(`SELECT statement_id FROM redemptions WHERE id = @id`, { id })).toEqual([{ statement_id: null }]);
    clock.advance(31 * 60_000);
    const next = await settle(app, parisDate(clock.now()));
    expect(next.created).toBe(true);
    expect(next.batch!.statements).toEqual([expect.objectContaining({ merchant: 'librairie-la-galerne', grossCents: 10_00, redemptions: 1 })]);
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('holds back a shop without valid bank details, visibly, and pays it once they are fixed', async () => {
    const comptoir = ids['le-comptoir-benedictin']!;
    await q(`UPDATE merchants SET iban = 'FR7630004000031234567890100' WHERE id = @id`, { id: comptoir }); // bad check digits
    const [v] = await buyVouchers(app, { amountCents: 50_00, quantity: 1, campaign: 'noel-fecamp' });
    await take(app, comptoir, v!.code, 25_00);
    clock.advance(3600_000);
    const held = await settle(app, parisDate(clock.now()));
    expect(held.created).toBe(false);
    expect(held.holds).toEqual([expect.objectContaining({ merchant: 'le-comptoir-benedictin', reason: 'invalid_iban', grossCents: 25_00, redemptionCount: 1 })]);
    await q(`UPDATE merchants SET iban = NULL WHERE id = @id`, { id: comptoir });
    expect((await settle(app, parisDate(clock.now()))).holds[0]!.reason).toBe('no_bank_details');
    await q(`UPDATE merchants SET iban = 'FR76 3000 6000 0112 3456 7890 189' WHERE id = @id`, { id: comptoir });
    const paid = await settle(app, parisDate(clock.now()));
    expect(paid.created).toBe(true);
    expect(paid.batch!.statements).toEqual([expect.objectContaining({ merchant: 'le-comptoir-benedictin', grossCents: 25_00 })]);
    expect(paid.holds).toEqual([]);
  });

  it('marks a SEPA batch executed once: statements paid, payouts_pending back to what is unpaid', async () => {
    const first = await markSepaExecutedOn(app, batchId, 'test');
    expect(first).toEqual({ alreadyExecuted: false, paid: 3 });
    expect(await markSepaExecutedOn(app, batchId, 'test')).toEqual({ alreadyExecuted: true, paid: 0 });
    expect((await statementOf('bijouterie-falaise', batchId))!.status).toBe('paid');
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('refuses a date that does not exist', async () => {
    await expect(settle(app, '2026-02-30')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('breakage shared to shops (campaign rule « merchants »)', () => {
  it('pays each shop its share of expired value in the next statement, without commission, once', async () => {
    const local = await startTestApp({ clock: fixedClock('2026-02-02T09:00:00Z') });
    try {
      const c = local.clock as ReturnType<typeof fixedClock>;
      await rowsOf(local, `UPDATE campaigns SET breakage_rule = 'merchants' WHERE slug = 'noel-fecamp'`);
      const [a, b] = await buyVouchers(local, { amountCents: 50_00, quantity: 2, campaign: 'noel-fecamp' });
      const bijou = await merchantIdOn(local, 'bijouterie-falaise');
      const comptoir = await merchantIdOn(local, 'le-comptoir-benedictin');
      await take(local, bijou, a!.code, 30_00);
      await take(local, comptoir, b!.code, 10_00);
      c.advance(3600_000);
      await settle(local, parisDate(c.now()));
      c.advance(2 * 366 * 86_400_000);
      const { expireVouchers } = await import('../../server/domain/vouchers/expiry-service');
      const expired = await expireVouchers(local.pg ? { postgres: local.pg, clock: c } : { database: local.database, clock: c });
      // Our two vouchers' 60 € plus the demo's unspent noel vouchers.
      const noelCents = expired.byCampaign.find((x) => x.slug === 'noel-fecamp')!.cents;
      expect(noelCents).toBeGreaterThanOrEqual(60_00);
      const r = await settle(local, parisDate(c.now()));
      expect(r.created).toBe(true);
      const rows = await rowsOf<{ m: string; g: number; c: number; b: number; n: number }>(local, `SELECT merchant_id AS m, gross_cents AS g, commission_cents AS c, breakage_cents AS b, net_cents AS n FROM statements WHERE batch_id = @b`, { b: r.batch!.id });
      // Split 3:1 by what each shop redeemed in the campaign (30 € and 10 €), no commission.
      const share = (m: string) => rows.find((x) => x.m === m)!;
      expect(rows).toHaveLength(2);
      expect(share(bijou).b + share(comptoir).b).toBe(noelCents);
      expect(Math.abs(share(bijou).b - (noelCents * 3) / 4)).toBeLessThanOrEqual(1);
      for (const x of rows) expect(x).toMatchObject({ g: 0, c: 0, n: x.b });
      expect(await ledgerBreaches(local)).toEqual([]);
      expect((await settle(local, parisDate(c.now()))).created).toBe(false);
    } finally {
      await local.close();
    }
  });
});
