/**
 * Voucher expiry with breakage and expiry reminders: the real app and
 * services on a fresh database, time moved with the test clock. Each scenario buys its
 * vouchers in its own campaign (a copy of the demo campaign with the breakage rule under
 * test), so journals and amounts can be asserted per campaign. Every money test ends with
 * the ledger check. The command line is in expiry-cli.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { EXPIRY_REMINDER_DAYS, remindExpiringVouchers } from '../../server/domain/vouchers/expiry-reminders';
import { remindExpiringVouchersOnPostgres } from '../../server/domain/vouchers/expiry-reminders-pg';
import { expireVouchers, type ExpiryResult } from '../../server/domain/vouchers/expiry-service';
import { newId } from '../../server/lib/ids';
import { rowsOf } from '../support/backend-query';
import { ledgerBreaches as booksOf } from '../support/ledger-check';
import { buyVouchersOn, setVoucherStatusOn, shopKeyOn, type BuiltKey, type BuiltVoucher } from '../support/builders';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

const T0 = '2026-11-23T10:00:00.000Z';
/** Vouchers bought at T0 with 365 days: valid through 23 Nov 2027, 23:59:59.999 Paris (CET). */
const EXPIRES = '2027-11-23T22:59:59.999Z';
const AFTER = new Date('2027-11-24T12:00:00Z');
const clock = fixedClock(T0);
let app: TestApp;
let galerne: BuiltKey;
let fromagerie: BuiltKey;
let velo: BuiltKey;

beforeAll(async () => {
  app = await startTestApp({ clock });
  galerne = await shopKeyOn(app, 'librairie-la-galerne');
  fromagerie = await shopKeyOn(app, 'fromagerie-du-marche');
  velo = await shopKeyOn(app, 'atelier-velo-oceane');
});
afterAll(() => app?.close());
afterEach(() => clock.set(T0));

// Rows on the app's backend (portable SQL, lower-case aliases: db/read-program.ts).
const sql = <T = Record<string, unknown>>(query: string, params: Record<string, string> = {}) => rowsOf<T>(app, query, params);
const expectLedgerClean = async () => expect(await booksOf(app)).toEqual([]);
const voucherState = async (v: BuiltVoucher) => {
  const [row] = await sql<{ balance: number; status: string }>(`SELECT balance_cents AS balance, status FROM vouchers WHERE id = @id`, { id: v.id });
  return row && { balanceCents: row.balance, status: row.status };
};
const setVoucherStatus = (v: BuiltVoucher, status: 'blocked' | 'cancelled') => setVoucherStatusOn(app, v.code, status);
/** The expiry reminders' job on the app's backend. */
const remind = (now: Date) => (app.pg ? remindExpiringVouchersOnPostgres(app.pg, now) : remindExpiringVouchers(app, { now }));

/** A copy of the demo campaign (same shops, 365 days) with its own slug and breakage rule. */
async function campaign(rule: 'operator' | 'sponsor' | 'merchants'): Promise<{ id: string; slug: string }> {
  const id = newId();
  const slug = `exp-${rule}-${id.slice(-6).toLowerCase()}`;
  await sql(
    `INSERT INTO campaigns (id, slug, name, description, operator_name, status, currency, target_cents, denominations_cents, min_amount_cents, max_amount_cents,
       validity_days, max_vouchers_per_order, max_order_cents_individual, breakage_rule, sponsor_name, starts_at, created_at)
     SELECT @id, @slug, 'Campagne ' || @slug, description, operator_name, status, currency, target_cents, denominations_cents, min_amount_cents, max_amount_cents,
       validity_days, max_vouchers_per_order, max_order_cents_individual, @rule, 'Ville du Havre', starts_at, created_at FROM campaigns WHERE slug = 'seine-estuaire'`,
    { id, slug, rule },
  );
  await sql(`INSERT INTO campaign_merchants (campaign_id, merchant_id) SELECT @id, merchant_id FROM campaign_merchants WHERE campaign_id = (SELECT id FROM campaigns WHERE slug = 'seine-estuaire')`, { id });
  return { id, slug };
}

const buy = (slug: string, amountCents: number, quantity = 1) => buyVouchersOn(app, { amountCents, quantity, campaign: slug });

async function api(method: 'GET' | 'POST', path: string, key: BuiltKey, body?: unknown) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key.key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json()) as any };
}
const lookup = (key: BuiltKey, v: BuiltVoucher) => api('GET', `/api/v1/vouchers/${v.formatted}`, key);
const redeem = (key: BuiltKey, v: BuiltVoucher, amountCents: number) => api('POST', '/api/v1/redemptions', key, { code: v.formatted, amountCents, idempotencyKey: randomUUID() });

// The expiry on the app's backend (expiry-service.ts: `postgres` or `database`).
const expiryDeps = () => (app.pg ? { postgres: app.pg, clock: app.clock } : { database: app.database, clock: app.clock });
const expire = (now: Date, opts: { batchSize?: number } = {}) => expireVouchers(expiryDeps(), { now, ...opts });
const forCampaign = (r: ExpiryResult, slug: string) => r.byCampaign.find((c) => c.slug === slug);
/** The expiry journals' lines of a campaign, by account. */
async function expiryLines(campaignSlug: string) {
  const rows = await sql<{ journal: string; account: string; cents: number }>(
    `SELECT l.journal_id AS journal, l.account, l.amount_cents AS cents FROM journal_lines l JOIN journals j ON j.id = l.journal_id
     WHERE j.kind = 'voucher_expiry' AND j.description LIKE @like ORDER BY l.journal_id, l.account`,
    { like: `% of ${campaignSlug}` },
  );
  return rows.map((r) => ({ journalId: r.journal, account: r.account, amountCents: r.cents }));
}

describe('expiry at the end of the Paris day', () => {
  it('is valid at 23:59:59 Paris on its last day, expired at 00:00:01 the next day; the till then refuses it', async () => {
    const c = await campaign('operator');
    const [v] = await buy(c.slug, 20_00);
    expect(v!.expiresAt).toBe(EXPIRES);

    clock.set('2027-11-23T22:59:59.000Z'); // 23:59:59 Paris
    expect(forCampaign(await expire(clock.now()), c.slug)).toBeUndefined();
    expect(await voucherState(v!)).toEqual({ balanceCents: 20_00, status: 'active' });
    expect((await lookup(galerne, v!)).body.voucher.status).toBe('active');

    clock.set('2027-11-23T23:00:01.000Z'); // 00:00:01 Paris, the 24th
    // Shown expired even before the job has run…
    expect((await lookup(galerne, v!)).body.voucher).toMatchObject({ status: 'expired', balanceCents: 20_00 });
    const r = await expire(clock.now());
    expect(forCampaign(r, c.slug)).toMatchObject({ vouchers: 1, cents: 20_00, rule: 'operator', fallback: false, journals: 1 });
    // … and after it, with nothing left.
    expect(await voucherState(v!)).toEqual({ balanceCents: 0, status: 'expired' });
    expect((await lookup(galerne, v!)).body.voucher).toMatchObject({ status: 'expired', balanceCents: 0 });
    const refused = await redeem(galerne, v!, 1_00);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('VOUCHER_EXPIRED');

    expect(await sql(`SELECT kind, amount_cents AS amount, balance_after_cents AS after, seq, actor FROM movements WHERE voucher_id = @id ORDER BY seq`, { id: v!.id })).toEqual([
      { kind: 'issue', amount: 20_00, after: 20_00, seq: 1, actor: expect.any(String) },
      { kind: 'expire', amount: -20_00, after: 0, seq: 2, actor: 'system:expiry' },
    ]);
    expect((await expiryLines(c.slug)).map(({ account, amountCents }) => ({ account, amountCents }))).toEqual([
      { account: 'breakage_revenue', amountCents: -20_00 },
      { account: 'voucher_liability', amountCents: 20_00 },
    ]);
    await expectLedgerClean();
  });
});

describe('breakage', () => {
  it('expires what is left on a partly spent voucher; progress figures (sold, redeemed) do not move', async () => {
    const c = await campaign('operator');
    const [v] = await buy(c.slug, 50_00);
    expect((await redeem(galerne, v!, 12_34)).status).toBe(201);
    const r = await expire(AFTER);
    expect(forCampaign(r, c.slug)).toMatchObject({ vouchers: 1, cents: 37_66 });
    expect(await voucherState(v!)).toEqual({ balanceCents: 0, status: 'expired' });
    expect(await sql(`SELECT sold_cents AS sold, redeemed_cents AS redeemed FROM campaigns WHERE id = @id`, { id: c.id })).toEqual([{ sold: 50_00, redeemed: 12_34 }]);
    await expectLedgerClean();
  });

  it('books each campaign by its rule, one journal per campaign per run: operator, sponsor, merchants pro rata, merchants without redemptions', async () => {
    const op = await campaign('operator');
    const sponsor = await campaign('sponsor');
    const shops = await campaign('merchants');
    const noShops = await campaign('merchants');
    await buy(op.slug, 10_00, 3);
    await buy(sponsor.slug, 25_00, 2);
    const [a, b, d, e] = await buy(shops.slug, 100_00, 4);
    await buy(noShops.slug, 15_00);
    // Three shops redeem 1 € each; a fourth redeems and voids (a void does not count).
    expect((await redeem(galerne, a!, 1_00)).status).toBe(201);
    expect((await redeem(fromagerie, b!, 1_00)).status).toBe(201);
    expect((await redeem(velo, d!, 1_00)).status).toBe(201);
    const voided = await redeem(velo, e!, 5_00);
    expect((await api('POST', `/api/v1/redemptions/${voided.body.redemption.id}/void`, velo)).status).toBe(200);

    const r = await expire(AFTER);
    expect(forCampaign(r, op.slug)).toMatchObject({ vouchers: 3, cents: 30_00, rule: 'operator', journals: 1 });
    expect(forCampaign(r, sponsor.slug)).toMatchObject({ vouchers: 2, cents: 50_00, rule: 'sponsor', journals: 1 });
    expect(forCampaign(r, shops.slug)).toMatchObject({ vouchers: 4, cents: 397_00, rule: 'merchants', fallback: false, journals: 1 });
    expect(forCampaign(r, noShops.slug)).toMatchObject({ vouchers: 1, cents: 15_00, rule: 'merchants', fallback: true, journals: 1 });

    const lines = async (slug: string) => Object.fromEntries((await expiryLines(slug)).map((l) => [l.account, l.amountCents]));
    expect(await lines(op.slug)).toEqual({ voucher_liability: 30_00, breakage_revenue: -30_00 });
    expect(await lines(sponsor.slug)).toEqual({ voucher_liability: 50_00, [`sponsor_payable:${sponsor.id}`]: -50_00 });
    expect(await lines(noShops.slug)).toEqual({ voucher_liability: 15_00, breakage_revenue: -15_00 });
    // 39 700 cents in three equal parts: 13 233.33 each, the one cent left over goes to the
    // lowest merchant id (largest remainders tie).
    const ids = [galerne, fromagerie, velo].map((k) => k.merchantId!).sort();
    expect(await lines(shops.slug)).toEqual({
      voucher_liability: 397_00,
      [`merchant_payable:${ids[0]}`]: -132_34,
      [`merchant_payable:${ids[1]}`]: -132_33,
      [`merchant_payable:${ids[2]}`]: -132_33,
    });
    await expectLedgerClean();
  });

  it('expires blocked vouchers too, never cancelled or spent ones', async () => {
    const c = await campaign('operator');
    const [blocked, cancelled, spent, active] = await buy(c.slug, 10_00, 4);
    await setVoucherStatus(blocked!, 'blocked');
    await setVoucherStatus(cancelled!, 'cancelled');
    expect((await redeem(galerne, spent!, 10_00)).body.voucher.status).toBe('spent');
    const r = await expire(AFTER);
    expect(forCampaign(r, c.slug)).toMatchObject({ vouchers: 2, cents: 20_00 });
    expect(await voucherState(blocked!)).toEqual({ balanceCents: 0, status: 'expired' });
    expect(await voucherState(active!)).toEqual({ balanceCents: 0, status: 'expired' });
    expect(await voucherState(cancelled!)).toEqual({ balanceCents: 0, status: 'cancelled' });
    expect(await voucherState(spent!)).toEqual({ balanceCents: 0, status: 'spent' });
    await expectLedgerClean();
  });

  it('is idempotent: a second run expires nothing and writes nothing', async () => {
    const c = await campaign('sponsor');
    await buy(c.slug, 10_00, 2);
    expect(forCampaign(await expire(AFTER), c.slug)).toMatchObject({ vouchers: 2 });
    const count = async () => (await sql(`SELECT (SELECT COUNT(*) FROM movements) AS m, (SELECT COUNT(*) FROM journals) AS j, (SELECT COUNT(*) FROM journal_lines) AS l`))[0];
    const before = await count();
    expect(await expire(AFTER)).toMatchObject({ vouchers: 0, cents: 0, byCampaign: [] });
    expect(await expire(new Date('2031-01-01T00:00:00Z'))).toMatchObject({ vouchers: 0, cents: 0, byCampaign: [] });
    expect(await count()).toEqual(before);
    await expectLedgerClean();
  });

  it('works in chunks, one transaction and journal each, and two runs at once never expire a voucher twice', async () => {
    const c = await campaign('operator');
    await buy(c.slug, 10_00, 7);
    const progress: number[] = [];
    const r = await expire(AFTER, { batchSize: 3 });
    expect(forCampaign(r, c.slug)).toMatchObject({ vouchers: 7, cents: 70_00, journals: 3 });
    expect((await expiryLines(c.slug)).filter((l) => l.account === 'voucher_liability').map((l) => l.amountCents).sort()).toEqual([10_00, 30_00, 30_00]);

    const c2 = await campaign('merchants');
    await buy(c2.slug, 10_00, 9);
    // Interleaved chunks (each run yields between its chunks), as two processes would.
    const [x, y] = await Promise.all([
      expireVouchers(expiryDeps(), { now: AFTER, batchSize: 2, onProgress: (p) => progress.push(p.expired) }),
      expireVouchers(expiryDeps(), { now: AFTER, batchSize: 2 }),
    ]);
    expect((forCampaign(x, c2.slug)?.vouchers ?? 0) + (forCampaign(y, c2.slug)?.vouchers ?? 0)).toBe(9);
    expect(await sql(`SELECT COUNT(*) AS n FROM movements m JOIN vouchers v ON v.id = m.voucher_id WHERE v.campaign_id = @id AND m.kind = 'expire'`, { id: c2.id })).toEqual([{ n: 9 }]);
    expect(progress.length).toBeGreaterThan(0);
    await expectLedgerClean();
  });

  it('sweeps value a late void puts back on an expired voucher', async () => {
    const c = await campaign('operator');
    const [v] = await buy(c.slug, 20_00);
    clock.set('2027-11-23T22:50:00.000Z'); // 23:50 Paris, its last day
    const r = await redeem(galerne, v!, 5_00);
    expect(r.status).toBe(201);
    clock.set('2027-11-23T23:05:00.000Z');
    expect(forCampaign(await expire(clock.now()), c.slug)).toMatchObject({ vouchers: 1, cents: 15_00 });
    clock.set('2027-11-23T23:10:00.000Z'); // within the shop's 30-minute void window
    expect((await api('POST', `/api/v1/redemptions/${r.body.redemption.id}/void`, galerne)).status).toBe(200);
    expect(await voucherState(v!)).toEqual({ balanceCents: 5_00, status: 'expired' });
    await expectLedgerClean();
    expect(forCampaign(await expire(clock.now()), c.slug)).toMatchObject({ vouchers: 1, cents: 5_00 });
    expect(await voucherState(v!)).toEqual({ balanceCents: 0, status: 'expired' });
    await expectLedgerClean();
  });

  it('check-ledger notices an expiry booked before the voucher’s end of validity', async () => {
    const c = await campaign('operator');
    const [v] = await buy(c.slug, 10_00);
    await expire(AFTER);
    await sql(`UPDATE movements SET created_at = '2027-01-01T00:00:00.000Z' WHERE voucher_id = @id AND kind = 'expire'`, { id: v!.id });
    // The rewritten date also moves the expiry to another week than the report aggregate has it in (both rows shown).
    expect((await booksOf(app)).map((b) => b.invariant)).toEqual(['expire_movement_after_validity', 'report_totals:campaign_week_totals', 'report_totals:campaign_week_totals']);
    await sql(`UPDATE movements SET created_at = @at WHERE voucher_id = @id AND kind = 'expire'`, { at: AFTER.toISOString(), id: v!.id });
    await expectLedgerClean();
  });
});

describe('expiry reminders', () => {
  it(`reminds once per voucher with value left, within ${EXPIRY_REMINDER_DAYS} days of expiry, in the order's language`, async () => {
    const c = await campaign('operator');
    const [toBuyer] = await buy(c.slug, 20_00);
    const [toRecipient] = await buy(c.slug, 30_00);
    const [spent, blocked] = await buy(c.slug, 10_00, 2);
    const [company] = await buy(c.slug, 10_00);
    await sql(`UPDATE orders SET locale = 'en' WHERE id = @id`, { id: toBuyer!.orderId });
    await sql(`UPDATE vouchers SET recipient_email = 'bob@example.org', recipient_name = 'Bob' WHERE id = @id`, { id: toRecipient!.id });
    await sql(`UPDATE orders SET buyer_type = 'company' WHERE id = @id`, { id: company!.orderId });
    expect((await redeem(galerne, spent!, 10_00)).status).toBe(201);
    expect((await redeem(galerne, toBuyer!, 7_50)).status).toBe(201);
    await setVoucherStatus(blocked!, 'blocked');
    // This campaign's reminders (the payload names the voucher; matched here, JSON functions differ by backend).
    const mine = async () => {
      const ours = new Set((await sql<{ id: string }>(`SELECT id FROM vouchers WHERE campaign_id = @id`, { id: c.id })).map((v) => v.id));
      const rows = await sql<{ recipient: string; payload: string }>(`SELECT recipient, payload FROM outbox_messages WHERE kind = 'voucher_expiry_reminder' ORDER BY recipient`);
      return rows.filter((r) => ours.has((JSON.parse(r.payload) as { voucherId: string }).voucherId)).map((r) => ({ recipient: r.recipient, payload: r.payload }));
    };

    const expires = new Date(EXPIRES).getTime();
    await remind(new Date(expires - 31 * 86_400_000));
    expect(await mine()).toEqual([]);

    const now = new Date(expires - 29 * 86_400_000);
    clock.set(now);
    await remind(now);
    await remind(new Date(now.getTime() + 86_400_000));
    expect(await mine()).toEqual([
      { recipient: 'bob@example.org', payload: JSON.stringify({ voucherId: toRecipient!.id }) },
      { recipient: 'buyer@example.org', payload: JSON.stringify({ voucherId: toBuyer!.id }) },
    ]);
    expect(await sql(`SELECT COUNT(*) AS n FROM vouchers WHERE campaign_id = @id AND expiry_reminded_at IS NOT NULL`, { id: c.id })).toEqual([{ n: 2 }]);

    // The mails themselves, as the outbox worker renders them (other mail of this file marked sent first).
    await sql(`UPDATE outbox_messages SET status = 'sent' WHERE kind != 'voucher_expiry_reminder'`);
    const outbox = join(app.dataDir, 'outbox');
    const before = new Set(existsSync(outbox) ? readdirSync(outbox) : []);
    expect(await app.drainOutbox()).toEqual({ sent: 2, failed: 0 });
    const mails = await Promise.all(readdirSync(outbox).filter((f) => !before.has(f)).map((f) => simpleParser(readFileSync(join(outbox, f)))));
    const to = (address: string) => mails.find((m) => JSON.stringify(m.to).includes(address))!;
    const en = to('buyer@example.org');
    expect(en.subject).toBe(`Your « Campagne ${c.slug} » voucher expires on 23 November 2027`);
    expect(en.text).toContain('There is €12.50 left');
    expect(en.text).toContain(`${app.url}/v/${toBuyer!.formatted}`);
    expect(en.html).toContain(`href="${app.url}/v/${toBuyer!.formatted}"`);
    const fr = to('bob@example.org');
    expect(fr.subject).toBe(`Votre bon d’achat «\u202fCampagne ${c.slug}\u202f» expire le 23 novembre 2027`);
    expect(fr.text).toContain('Bonjour Bob,');
    expect(fr.text).toMatch(/Il reste 30,00\s€/);
    expect(fr.text).toContain(`${app.url}/v/${toRecipient!.formatted}`);
  });

  it('does not remind vouchers already past their expiry', async () => {
    const c = await campaign('operator');
    await buy(c.slug, 10_00);
    expect((await remind(AFTER)).vouchers).toBe(0);
    expect(await sql(`SELECT COUNT(*) AS n FROM vouchers WHERE campaign_id = @id AND expiry_reminded_at IS NOT NULL`, { id: c.id })).toEqual([{ n: 0 }]);
  });
});
