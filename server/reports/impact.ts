import type { Database_ } from '../../db/client';
import { csvCell, csvEuros } from '../lib/csv';
import { weekStart } from '../lib/weeks';

/**
 * The impact dashboard's figures, from the maintained aggregates the ledger writer keeps in
 * the same transaction as the movements (db/schema/report-totals.ts; check-ledger verifies
 * them): a few hundred rows per table, however long the history, so no request holds the
 * event loop while it scans millions of vouchers or redemptions.
 *
 * Definitions (the same as the progress caches and check-ledger):
 * - sold = face value of issued vouchers, reissued vouchers excluded (a replacement, not a sale);
 * - spent = completed redemptions (a voided redemption gave the value back to the voucher);
 * - weeks start on Monday 00:00 UTC (the aggregate has no time zone: up to 2 h off Paris,
 *   which moves a sale made late on Sunday night into the next week: fine for a trend chart);
 * - payment volume = every payment received (card and bank transfers), refunds not deducted,
 *   over the last 365 days, for the whole scheme: the limited-network exemption
 *   (art. L. 521-3 CMF) requires notifying the ACPR above 1 000 000 € over 12 months.
 *   Read from the covering index payments(received_at, provider, amount_cents).
 */
export const ACPR_THRESHOLD_CENTS = 1_000_000_00;
export const ACPR_WARNING_RATIO = 0.8;
export const CHART_WEEKS = 26;

export interface ImpactFilter {
  /** Only this campaign's sales and spending (the progress table and payment volume stay global). */
  campaignId?: string;
}

export interface CampaignImpact {
  slug: string;
  name: string;
  status: string;
  targetCents: number;
  soldCents: number;
  redeemedCents: number;
  soldPercent: number;
  redeemedPercent: number;
  /** Share of the sold value already spent in shops, whole percent (floored). */
  spentShare: number;
}
export interface BuyerRow { buyerType: string; orders: number; vouchers: number; soldCents: number }
export interface ShopRow { slug: string; name: string; category: string; city: string; redemptions: number; spentCents: number }
export interface GroupRow { key: string; shops: number; redemptions: number; spentCents: number }
export interface WeekRow { week: string; soldCents: number; redeemedCents: number }

export interface ImpactReport {
  campaigns: CampaignImpact[];
  buyers: BuyerRow[];
  shops: ShopRow[];
  categories: GroupRow[];
  towns: GroupRow[];
  weeks: WeekRow[];
  topShops: ShopRow[];
  totals: { soldCents: number; redeemedCents: number; spentShare: number };
  volume: { totalCents: number; cardCents: number; transferCents: number; since: string; thresholdCents: number; percent: number; warning: boolean; over: boolean };
}

const pct = (part: number, whole: number) => (whole > 0 ? Math.floor((part * 100) / whole) : 0);

export { weekStart };

const all = <T>(database: Database_, sql: string, params: Record<string, unknown>) => database.sqlite.prepare(sql).all(params) as T[];

/** Progress per campaign (drafts excluded), from the campaigns' progress caches. */
export function impactCampaigns(database: Database_, filter: ImpactFilter = {}): CampaignImpact[] {
  return all<Omit<CampaignImpact, 'soldPercent' | 'redeemedPercent' | 'spentShare'>>(
    database,
    `SELECT slug, name, status, target_cents AS targetCents, sold_cents AS soldCents, redeemed_cents AS redeemedCents
       FROM campaigns WHERE status != 'draft' AND (@cid IS NULL OR id = @cid) ORDER BY status, starts_at`, { cid: filter.campaignId ?? null },
  ).map((c) => ({ ...c, soldPercent: pct(c.soldCents, c.targetCents), redeemedPercent: pct(c.redeemedCents, c.targetCents), spentShare: pct(c.redeemedCents, c.soldCents) }));
}

/** Sales by buyer type (campaign_buyer_totals). */
export function impactBuyers(database: Database_, filter: ImpactFilter = {}): BuyerRow[] {
  return all<BuyerRow>(
    database,
    `SELECT buyer_type AS buyerType, SUM(orders) AS orders, SUM(vouchers) AS vouchers, SUM(sold_cents) AS soldCents
       FROM campaign_buyer_totals WHERE (@cid IS NULL OR campaign_id = @cid)
      GROUP BY buyer_type HAVING SUM(vouchers) > 0 ORDER BY soldCents DESC`, { cid: filter.campaignId ?? null },
  );
}

/** Spending per shop, biggest first (merchant_campaign_totals: one row per shop and campaign). */
export function impactShops(database: Database_, filter: ImpactFilter = {}): ShopRow[] {
  return all<ShopRow>(
    database,
    `SELECT m.slug, m.name, m.category, m.city, s.n AS redemptions, s.spent AS spentCents
       FROM (SELECT merchant_id, SUM(redemptions) AS n, SUM(redeemed_cents) AS spent FROM merchant_campaign_totals
              WHERE (@cid IS NULL OR campaign_id = @cid) GROUP BY merchant_id HAVING SUM(redemptions) > 0) s
       JOIN merchants m ON m.id = s.merchant_id
      ORDER BY s.spent DESC, m.name`, { cid: filter.campaignId ?? null },
  );
}

/**
 * Categories and towns roll the per-shop rows up (one row per shop, a few thousand at most)
 * instead of scanning the redemptions twice more.
 */
function rollUpShops(shops: ShopRow[], key: (s: ShopRow) => string): GroupRow[] {
  const groups = new Map<string, GroupRow>();
  for (const s of shops) {
    const g = groups.get(key(s)) ?? { key: key(s), shops: 0, redemptions: 0, spentCents: 0 };
    g.shops += 1;
    g.redemptions += s.redemptions;
    g.spentCents += s.spentCents;
    groups.set(g.key, g);
  }
  return [...groups.values()].sort((a, b) => b.spentCents - a.spentCents || a.key.localeCompare(b.key, 'fr'));
}

const topShops = (shops: ShopRow[]): ShopRow[] => shops.slice(0, 10);

/** Sold and spent per week over the last CHART_WEEKS weeks (empty weeks included), from campaign_week_totals. */
export function impactWeeks(database: Database_, now: Date, filter: ImpactFilter = {}): WeekRow[] {
  const first = new Date(`${weekStart(now)}T00:00:00Z`);
  first.setUTCDate(first.getUTCDate() - 7 * (CHART_WEEKS - 1));
  const rows = all<{ week: string; sold: number; spent: number }>(
    database,
    `SELECT week, SUM(sold_cents) AS sold, SUM(redeemed_cents) AS spent FROM campaign_week_totals
      WHERE week >= @since AND (@cid IS NULL OR campaign_id = @cid) GROUP BY week`, { cid: filter.campaignId ?? null, since: first.toISOString().slice(0, 10) },
  );
  const by = new Map(rows.map((r) => [r.week, r]));
  return Array.from({ length: CHART_WEEKS }, (_, i) => {
    const week = new Date(first.getTime() + i * 7 * 86400_000).toISOString().slice(0, 10);
    return { week, soldCents: by.get(week)?.sold ?? 0, redeemedCents: by.get(week)?.spent ?? 0 };
  });
}

/** The scheme's payment volume over the last 365 days against the ACPR threshold (never filtered). */
export function paymentVolume(database: Database_, now: Date): ImpactReport['volume'] {
  const yearAgo = new Date(now.getTime() - 365 * 86400_000).toISOString();
  const v = database.sqlite
    .prepare(`SELECT COALESCE(SUM(amount_cents), 0) AS total, COALESCE(SUM(CASE WHEN provider = 'bank_transfer' THEN amount_cents END), 0) AS transfer FROM payments WHERE received_at >= ?`)
    .get(yearAgo) as { total: number; transfer: number };
  return {
    totalCents: v.total,
    cardCents: v.total - v.transfer,
    transferCents: v.transfer,
    since: yearAgo,
    thresholdCents: ACPR_THRESHOLD_CENTS,
    percent: pct(v.total, ACPR_THRESHOLD_CENTS),
    warning: v.total >= ACPR_THRESHOLD_CENTS * ACPR_WARNING_RATIO,
    over: v.total >= ACPR_THRESHOLD_CENTS,
  };
}

/** The whole dashboard: every table above, each query run once. */
export function impactReport(database: Database_, now: Date, filter: ImpactFilter = {}): ImpactReport {
  const campaigns = impactCampaigns(database, filter);
  const buyers = impactBuyers(database, filter);
  const shops = impactShops(database, filter);
  const weeks = impactWeeks(database, now, filter);
  const volume = paymentVolume(database, now);
  const soldTotal = buyers.reduce((s, b) => s + b.soldCents, 0);
  const spentTotal = shops.reduce((s, b) => s + b.spentCents, 0);
  return {
    campaigns,
    buyers,
    shops,
    categories: rollUpShops(shops, (s) => s.category),
    towns: rollUpShops(shops, (s) => s.city),
    weeks,
    topShops: topShops(shops),
    totals: { soldCents: soldTotal, redeemedCents: spentTotal, spentShare: pct(spentTotal, soldTotal) },
    volume,
  };
}

/** The CSV exports: one per table on the page, `;`-separated, euros with a decimal comma. */
export const IMPACT_TABLES = ['campagnes', 'acheteurs', 'commerces', 'categories', 'communes', 'semaines', 'top-commerces'] as const;
export type ImpactTable = (typeof IMPACT_TABLES)[number];

/** One table's CSV, reading only what that table needs (not the whole report). */
export function impactCsv(database: Database_, now: Date, filter: ImpactFilter, table: ImpactTable): string {
  const line = (cells: (string | number)[]) => cells.map((c) => csvCell(c)).join(';');
  const shopRows = (list: ShopRow[]) => [line(['commerce', 'nom', 'categorie', 'commune', 'encaissements', 'montant']), ...list.map((s) => line([s.slug, s.name, s.category, s.city, s.redemptions, csvEuros(s.spentCents)]))];
  const groupRows = (head: string, list: GroupRow[]) => [line([head, 'commerces', 'encaissements', 'montant']), ...list.map((g) => line([g.key, g.shops, g.redemptions, csvEuros(g.spentCents)]))];
  const lines: Record<ImpactTable, () => string[]> = {
    campagnes: () => [line(['campagne', 'nom', 'statut', 'objectif', 'vendu', 'depense', 'vendu_pct', 'depense_pct', 'part_depensee_pct']), ...impactCampaigns(database, filter).map((c) => line([c.slug, c.name, c.status, csvEuros(c.targetCents), csvEuros(c.soldCents), csvEuros(c.redeemedCents), c.soldPercent, c.redeemedPercent, c.spentShare]))],
    acheteurs: () => [line(['type_acheteur', 'commandes', 'bons', 'vendu']), ...impactBuyers(database, filter).map((b) => line([b.buyerType, b.orders, b.vouchers, csvEuros(b.soldCents)]))],
    commerces: () => shopRows(impactShops(database, filter)),
    'top-commerces': () => shopRows(topShops(impactShops(database, filter))),
    categories: () => groupRows('categorie', rollUpShops(impactShops(database, filter), (s) => s.category)),
    communes: () => groupRows('commune', rollUpShops(impactShops(database, filter), (s) => s.city)),
    semaines: () => [line(['semaine', 'vendu', 'depense']), ...impactWeeks(database, now, filter).map((w) => line([w.week, csvEuros(w.soldCents), csvEuros(w.redeemedCents)]))],
  };
  return '\ufeff' + lines[table]().join('\r\n') + '\r\n';
}
