/**
 * Outstanding liability per campaign — what voucher holders can still spend:
 * issued − redeemed (net of voids) − expired − cancelled (± adjustments), from movements,
 * with ageing of the outstanding balance by the vouchers' issue date, and what falls due
 * soon (expiring within 30 days). One grouped scan of movements and one of vouchers.
 */
import type { Database_ } from '../../db/client';

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

export function liabilityReport(database: Database_, now: Date): CampaignLiability[] {
  const flows = database.sqlite.prepare(`
    SELECT v.campaign_id AS id,
      SUM(CASE WHEN m.kind = 'issue' AND v.reissued_from IS NULL THEN m.amount_cents ELSE 0 END) AS issued,
      -SUM(CASE WHEN m.kind IN ('redeem', 'void') THEN m.amount_cents ELSE 0 END) AS redeemed,
      -SUM(CASE WHEN m.kind = 'expire' THEN m.amount_cents ELSE 0 END) AS expired,
      -- a reissue (support) moves a balance to a new voucher: neither issued nor cancelled
      -SUM(CASE WHEN m.kind = 'cancel' THEN m.amount_cents WHEN m.kind = 'issue' AND v.reissued_from IS NOT NULL THEN m.amount_cents ELSE 0 END) AS cancelled,
      SUM(CASE WHEN m.kind = 'adjust' THEN m.amount_cents ELSE 0 END) AS adjusted
    FROM movements m JOIN vouchers v ON v.id = m.voucher_id GROUP BY v.campaign_id`).all() as { id: string; issued: number; redeemed: number; expired: number; cancelled: number; adjusted: number }[];
  const iso = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const ages = database.sqlite.prepare(`
    SELECT campaign_id AS id, COUNT(*) AS n, SUM(balance_cents) AS outstanding,
      SUM(CASE WHEN issued_at > @m3 THEN balance_cents ELSE 0 END) AS a0,
      SUM(CASE WHEN issued_at <= @m3 AND issued_at > @m6 THEN balance_cents ELSE 0 END) AS a1,
      SUM(CASE WHEN issued_at <= @m6 AND issued_at > @m12 THEN balance_cents ELSE 0 END) AS a2,
      SUM(CASE WHEN issued_at <= @m12 THEN balance_cents ELSE 0 END) AS a3,
      SUM(CASE WHEN expires_at <= @soon THEN balance_cents ELSE 0 END) AS soon
    FROM vouchers WHERE balance_cents > 0 GROUP BY campaign_id`).all({ m3: iso(91 * DAY), m6: iso(182 * DAY), m12: iso(365 * DAY), soon: new Date(now.getTime() + 30 * DAY).toISOString() }) as {
    id: string; n: number; outstanding: number; a0: number; a1: number; a2: number; a3: number; soon: number;
  }[];
  const flowBy = new Map(flows.map((f) => [f.id, f]));
  const ageBy = new Map(ages.map((a) => [a.id, a]));
  const campaigns = database.sqlite.prepare(`SELECT id, slug, name FROM campaigns ORDER BY created_at, slug`).all() as { id: string; slug: string; name: string }[];
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
