/**
 * Outstanding liability per campaign — what voucher holders can still spend:
 * issued − redeemed (net of voids) − expired − cancelled (± adjustments), with ageing of the
 * outstanding balance by the vouchers' issue day, and what falls due soon (expiring within
 * 30 days). Read from the aggregates the ledger writer maintains (campaign_week_totals for
 * the flows, voucher_balance_totals for balances by issue and expiry day), which check-ledger
 * verifies against the movements and vouchers: a few rows per campaign and day, never a
 * scan of history. Ages count whole days (UTC): a voucher issued on the day 91 days ago
 * is already « 3 to 6 months » old, and one expiring on the 30th day from today is due soon.
 */
import type { Database_ } from '../../db/client';
import { runReadSync, type ReadProgram } from '../../db/read-program';

export interface CampaignLiability {
  slug: string;
  name: string;
  issuedCents: number;
  redeemedCents: number;
  expiredCents: number;
  cancelledCents: number;
  adjustedCents: number;
  outstandingCents: number;
  /** Outstanding balance by age of the voucher (issue date → `now`). */
  ageing: { under3MonthsCents: number; from3To6MonthsCents: number; from6To12MonthsCents: number; over12MonthsCents: number };
  expiringWithin30DaysCents: number;
  vouchersWithBalance: number;
}

const DAY = 86_400_000;

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function liabilityReport(database: Database_, now: Date): CampaignLiability[] {
  return runReadSync(database.sqlite, liabilityProgram(now));
}

/** The report as a read program (db/read-program.ts): the same SQL on SQLite and PostgreSQL. */
export function* liabilityProgram(now: Date): ReadProgram<CampaignLiability[]> {
  const flows = (yield { sql: `
    SELECT campaign_id AS id, SUM(sold_cents) AS issued, SUM(redeemed_cents) AS redeemed, SUM(expired_cents) AS expired,
           SUM(cancelled_cents) AS cancelled, SUM(adjusted_cents) AS adjusted
      FROM campaign_week_totals GROUP BY campaign_id` }) as { id: string; issued: number; redeemed: number; expired: number; cancelled: number; adjusted: number }[];
  const t = now.getTime();
  const ages = (yield {
    sql: `
    SELECT campaign_id AS id, SUM(vouchers) AS n, SUM(balance_cents) AS outstanding,
      SUM(CASE WHEN issued_on > @m3 THEN balance_cents ELSE 0 END) AS a0,
      SUM(CASE WHEN issued_on <= @m3 AND issued_on > @m6 THEN balance_cents ELSE 0 END) AS a1,
      SUM(CASE WHEN issued_on <= @m6 AND issued_on > @m12 THEN balance_cents ELSE 0 END) AS a2,
      SUM(CASE WHEN issued_on <= @m12 THEN balance_cents ELSE 0 END) AS a3,
      SUM(CASE WHEN expires_on <= @soon THEN balance_cents ELSE 0 END) AS soon
    FROM voucher_balance_totals WHERE balance_cents > 0 GROUP BY campaign_id`,
    params: { m3: day(t - 91 * DAY), m6: day(t - 182 * DAY), m12: day(t - 365 * DAY), soon: day(t + 30 * DAY) },
  }) as {
    id: string; n: number; outstanding: number; a0: number; a1: number; a2: number; a3: number; soon: number;
  }[];
  const flowBy = new Map(flows.map((f) => [f.id, f]));
  const ageBy = new Map(ages.map((a) => [a.id, a]));
  const campaigns = (yield { sql: `SELECT id, slug, name FROM campaigns ORDER BY created_at, slug` }) as { id: string; slug: string; name: string }[];
  return campaigns.map((c) => {
    const f = flowBy.get(c.id) ?? { issued: 0, redeemed: 0, expired: 0, cancelled: 0, adjusted: 0 };
    const a = ageBy.get(c.id) ?? { n: 0, outstanding: 0, a0: 0, a1: 0, a2: 0, a3: 0, soon: 0 };
    return {
      slug: c.slug, name: c.name,
      issuedCents: f.issued, redeemedCents: f.redeemed, expiredCents: f.expired, cancelledCents: f.cancelled, adjustedCents: f.adjusted,
      outstandingCents: a.outstanding,
      ageing: { under3MonthsCents: a.a0, from3To6MonthsCents: a.a1, from6To12MonthsCents: a.a2, over12MonthsCents: a.a3 },
      expiringWithin30DaysCents: a.soon,
      vouchersWithBalance: a.n,
    };
  });
}
