/**
 * Data for the settlement benchmark, generated with set-based SQL so one million
 * redemptions take seconds, not minutes, and still satisfy every check-ledger invariant:
 * vouchers issued by real bank-transfer orders (the services), then per voucher ten
 * redemptions written exactly as the till writes them (redemption, `redeem` movement with
 * the running balance, a balanced journal of two lines, voucher balance, campaign cache,
 * then the report aggregates rebuilt from those rows).
 */
import type { Database_ } from '../db/client';
import { rebuildReportTotals } from '../db/report-totals-sql';
import { demoIban } from '../db/seed/demo-data';
import { recordBankTransfer } from '../server/domain/orders/bank-transfers-service';
import { createOrder, type OrdersDeps } from '../server/domain/orders/orders-service';

export const PER_VOUCHER = 10;
/** Amount of the k-th redemption of a voucher (k = 0..9): 1,01 € … 9,93 €, Σ ≤ 100 €. */
const AMOUNT_SQL = `(101 + ((v.rowid * 7 + k.n * 89) % 900))`;

const TOWN_HALL = {
  type: 'municipality' as const, name: 'Service des affaires sociales', email: 'social@mairie-exemple.fr', organisation: 'Mairie de Montivilliers',
  siret: '21764470700010', address: { lines: ['Place François Mitterrand'], postalCode: '76290', city: 'Montivilliers' },
};

export function addShops(database: Database_, count: number, now: Date): void {
  const s = database.sqlite;
  const campaigns = s.prepare(`SELECT id FROM campaigns`).pluck().all() as string[];
  const insert = s.prepare(`INSERT INTO merchants (id, slug, name, category, address, postal_code, city, status, iban, bic, account_holder, created_at)
    VALUES (?, ?, ?, 'Commerce', '1 rue du Port', '76600', 'Le Havre', 'approved', ?, 'BNPAFRPP', ?, ?)`);
  const accept = s.prepare(`INSERT INTO campaign_merchants (campaign_id, merchant_id) VALUES (?, ?)`);
  s.transaction(() => {
    for (let i = 0; i < count; i++) {
      const id = `bench-shop-${String(i).padStart(4, '0')}`;
      insert.run(id, id, `Commerce n° ${i + 1}`, demoIban(100 + i), `Commerce n° ${i + 1}`, now.toISOString());
      for (const c of campaigns) accept.run(c, id);
    }
  })();
}

/** Issues `vouchers` vouchers of 100 € in orders of 5 000 (the bulk path; 500 000 €, the largest order a campaign takes). */
export async function issueVouchers(deps: OrdersDeps, vouchers: number, log: (l: string) => void): Promise<void> {
  for (let done = 0, n = 0; done < vouchers; n++) {
    const size = Math.min(5_000, vouchers - done);
    const created = await createOrder(deps, { campaignSlug: 'seine-estuaire', buyer: TOWN_HALL, items: [{ amountCents: 100_00, quantity: size }], paymentMethod: 'bank_transfer', locale: 'fr', byOperator: true });
    await recordBankTransfer(deps, { orderId: created.order.id, amountCents: created.order.totalCents, reference: `BENCH-${n}`, actor: 'bench' });
    done += size;
    if (n % 20 === 0 || done === vouchers) log(`settlement bench: ${done} / ${vouchers} vouchers issued`);
  }
}

/**
 * Ten redemptions per voucher spread over the bench shops and the last 7 days (until
 * `now` − 1 h, so past the void window), in one transaction.
 */
export function addRedemptions(database: Database_, now: Date, opts: { untouchedOnly?: boolean } = {}): number {
  const s = database.sqlite;
  const nowMs = now.getTime() - 3600_000;
  const kSql = `WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < ${PER_VOUCHER - 1})`;
  const shop = `'bench-shop-' || substr('0000' || ((v.rowid * ${PER_VOUCHER} + k.n) % (SELECT COUNT(*) FROM merchants WHERE id LIKE 'bench-shop-%')), -4)`;
  const at = `strftime('%Y-%m-%dT%H:%M:%fZ', (${nowMs} - ((v.rowid * 7919 + k.n * 104729) % (7 * 86400000))) / 1000.0, 'unixepoch')`;
  // untouchedOnly: leaves vouchers that already have redemptions (bench/scale-data.ts tops up a service-built dataset).
  const from = `FROM vouchers v CROSS JOIN k WHERE v.order_id IN (SELECT id FROM orders WHERE transfer_reference IS NOT NULL) AND v.amount_cents = 10000${opts.untouchedOnly ? ' AND v.balance_cents = 10000' : ''}`;
  s.transaction(() => {
    s.exec(`CREATE TEMP TABLE gen AS ${kSql}
      SELECT v.id AS voucher_id, v.campaign_id, v.rowid AS vrow, k.n AS k, ${AMOUNT_SQL} AS amount, ${shop} AS merchant_id, ${at} AS created_at,
             (SELECT COALESCE(MAX(number), 0) FROM redemptions) + v.rowid * ${PER_VOUCHER} + k.n AS number ${from}`);
    s.exec(`CREATE INDEX temp.gen_voucher ON gen (voucher_id)`);
    // Numbered in the till's journal after what is there, as the till would (journal_counters).
    s.exec(`INSERT INTO journals (id, kind, description, order_id, created_at, journal_code, entry_number)
      SELECT 'bj-' || number, 'redemption', 'Redemption (bench)', NULL, created_at, 'EN',
             (SELECT COALESCE(MAX(last_number), 0) FROM journal_counters WHERE journal_code = 'EN') + ROW_NUMBER() OVER (ORDER BY created_at, number) FROM gen`);
    s.exec(`INSERT INTO journal_counters (journal_code, last_number) SELECT 'EN', MAX(entry_number) FROM journals WHERE journal_code = 'EN'
      ON CONFLICT (journal_code) DO UPDATE SET last_number = excluded.last_number`);
    s.exec(`INSERT INTO journal_lines (journal_id, account, amount_cents)
      SELECT 'bj-' || number, 'voucher_liability', amount FROM gen UNION ALL SELECT 'bj-' || number, 'merchant_payable:' || merchant_id, -amount FROM gen`);
    s.exec(`INSERT INTO redemptions (id, number, merchant_id, voucher_id, campaign_id, amount_cents, status, idempotency_key, request_fingerprint, actor, journal_id, created_at)
      SELECT 'br-' || number, number, merchant_id, voucher_id, campaign_id, amount, 'completed', 'bench-' || number, 'bench', 'bench', 'bj-' || number, created_at FROM gen`);
    s.exec(`INSERT INTO movements (id, voucher_id, seq, kind, amount_cents, balance_after_cents, journal_id, redemption_id, actor, created_at)
      SELECT 'bm-' || g.number, g.voucher_id, 2 + g.k, 'redeem', -g.amount,
             10000 - SUM(g.amount) OVER (PARTITION BY g.vrow ORDER BY g.k), 'bj-' || g.number, 'br-' || g.number, 'bench', g.created_at
      FROM gen g`);
    s.exec(`UPDATE vouchers SET balance_cents = balance_cents - (SELECT SUM(amount) FROM gen WHERE gen.voucher_id = vouchers.id)
      WHERE id IN (SELECT voucher_id FROM gen)`);
    s.exec(`UPDATE campaigns SET redeemed_cents = redeemed_cents + (SELECT COALESCE(SUM(amount), 0) FROM gen WHERE gen.campaign_id = campaigns.id)`);
    // Rows written here bypass the ledger writer: its report aggregates are recomputed, set-based.
    rebuildReportTotals(s);
  })();
  const n = (s.prepare(`SELECT COUNT(*) FROM temp.gen`).pluck().get() as number);
  s.exec(`DROP TABLE temp.gen`);
  return n;
}
