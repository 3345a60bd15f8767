import type pg from 'pg';
import type { Database_ } from '../../db/client';
import { readSnapshotPostgres, runReadSync, type ReadProgram } from '../../db/read-program';
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

/*
 * Each table is a read program (db/read-program.ts): the same SQL on SQLite (the functions
 * below, synchronous) and on PostgreSQL (impactReportPostgres). Aliases are lower case
 * (PostgreSQL folds them) and mapped here; ties are ordered in JS with a plain code-unit
 * comparison, so both backends list rows in the same order whatever the database collation.
 * `CAST(@cid AS TEXT) IS NULL` types the optional filter for PostgreSQL.
 */
const CAMPAIGN = `(CAST(@cid AS TEXT) IS NULL OR campaign_id = @cid)`;
const n = (v: unknown): number => Number(v ?? 0);
const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function* campaignsProgram(filter: ImpactFilter): ReadProgram<CampaignImpact[]> {
  const rows = yield {
    sql: `SELECT slug, name, status, starts_at, target_cents, sold_cents, redeemed_cents
            FROM campaigns WHERE status != 'draft' AND (CAST(@cid AS TEXT) IS NULL OR id = @cid)`,
    params: { cid: filter.campaignId ?? null },
  };
  return rows
    .map((r) => ({ startsAt: String(r.starts_at), slug: String(r.slug), name: String(r.name), status: String(r.status), targetCents: n(r.target_cents), soldCents: n(r.sold_cents), redeemedCents: n(r.redeemed_cents) }))
    .sort((a, b) => byCode(a.status, b.status) || byCode(a.startsAt, b.startsAt) || byCode(a.slug, b.slug))
    .map(({ startsAt: _, ...c }) => ({ ...c, soldPercent: pct(c.soldCents, c.targetCents), redeemedPercent: pct(c.redeemedCents, c.targetCents), spentShare: pct(c.redeemedCents, c.soldCents) }));
}

function* buyersProgram(filter: ImpactFilter): ReadProgram<BuyerRow[]> {
  const rows = yield {
    sql: `SELECT buyer_type, SUM(orders) AS orders, SUM(vouchers) AS vouchers, SUM(sold_cents) AS sold
            FROM campaign_buyer_totals WHERE ${CAMPAIGN} GROUP BY buyer_type HAVING SUM(vouchers) > 0`,
    params: { cid: filter.campaignId ?? null },
  };
  return rows
    .map((r) => ({ buyerType: String(r.buyer_type), orders: n(r.orders), vouchers: n(r.vouchers), soldCents: n(r.sold) }))
    .sort((a, b) => b.soldCents - a.soldCents || byCode(a.buyerType, b.buyerType));
}

function* shopsProgram(filter: ImpactFilter): ReadProgram<ShopRow[]> {
  const rows = yield {
    sql: `SELECT m.slug, m.name, m.category, m.city, s.n AS redemptions, s.spent
            FROM (SELECT merchant_id, SUM(redemptions) AS n, SUM(redeemed_cents) AS spent FROM merchant_campaign_totals
                   WHERE ${CAMPAIGN} GROUP BY merchant_id HAVING SUM(redemptions) > 0) s
            JOIN merchants m ON m.id = s.merchant_id`,
    params: { cid: filter.campaignId ?? null },
  };
  return rows
    .map((r) => ({ slug: String(r.slug), name: String(r.name), category: String(r.category), city: String(r.city), redemptions: n(r.redemptions), spentCents: n(r.spent) }))
    .sort((a, b) => b.spentCents - a.spentCents || byCode(a.name, b.name) || byCode(a.slug, b.slug));
}

function* weeksProgram(now: Date, filter: ImpactFilter): ReadProgram<WeekRow[]> {
  const first = new Date(`${weekStart(now)}T00:00:00Z`);
  first.setUTCDate(first.getUTCDate() - 7 * (CHART_WEEKS - 1));
  const rows = yield {
    sql: `SELECT week, SUM(sold_cents) AS sold, SUM(redeemed_cents) AS spent FROM campaign_week_totals WHERE week >= @since AND ${CAMPAIGN} GROUP BY week`,
    params: { cid: filter.campaignId ?? null, since: first.toISOString().slice(0, 10) },
  };
  const by = new Map(rows.map((r) => [String(r.week), r]));
  return Array.from({ length: CHART_WEEKS }, (_, i) => {
    const week = new Date(first.getTime() + i * 7 * 86400_000).toISOString().slice(0, 10);
    return { week, soldCents: n(by.get(week)?.sold), redeemedCents: n(by.get(week)?.spent) };
  });
}

function* volumeProgram(now: Date): ReadProgram<ImpactReport['volume']> {
  const yearAgo = new Date(now.getTime() - 365 * 86400_000).toISOString();
  const [v] = yield {
    sql: `SELECT COALESCE(SUM(amount_cents), 0) AS total, COALESCE(SUM(CASE WHEN provider = 'bank_transfer' THEN amount_cents END), 0) AS transfer FROM payments WHERE received_at >= @since`,
    params: { since: yearAgo },
  };
  const total = n(v!.total);
  const transfer = n(v!.transfer);
  return {
    totalCents: total,
    cardCents: total - transfer,
    transferCents: transfer,
    since: yearAgo,
    thresholdCents: ACPR_THRESHOLD_CENTS,
    percent: pct(total, ACPR_THRESHOLD_CENTS),
    warning: total >= ACPR_THRESHOLD_CENTS * ACPR_WARNING_RATIO,
    over: total >= ACPR_THRESHOLD_CENTS,
  };
}

/** Progress per campaign (drafts excluded), from the campaigns' progress caches. */
export const impactCampaigns = (database: Database_, filter: ImpactFilter = {}): CampaignImpact[] => runReadSync(database.sqlite, campaignsProgram(filter));
/** Sales by buyer type (campaign_buyer_totals). */
export const impactBuyers = (database: Database_, filter: ImpactFilter = {}): BuyerRow[] => runReadSync(database.sqlite, buyersProgram(filter));
/** Spending per shop, biggest first (merchant_campaign_totals: one row per shop and campaign). */
export const impactShops = (database: Database_, filter: ImpactFilter = {}): ShopRow[] => runReadSync(database.sqlite, shopsProgram(filter));
/** Sold and spent per week over the last CHART_WEEKS weeks (empty weeks included), from campaign_week_totals. */
export const impactWeeks = (database: Database_, now: Date, filter: ImpactFilter = {}): WeekRow[] => runReadSync(database.sqlite, weeksProgram(now, filter));
/** The scheme's payment volume over the last 365 days against the ACPR threshold (never filtered). */
export const paymentVolume = (database: Database_, now: Date): ImpactReport['volume'] => runReadSync(database.sqlite, volumeProgram(now));

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

/** The whole dashboard as one read program: every table above, each query run once. */
export function* impactProgram(now: Date, filter: ImpactFilter = {}): ReadProgram<ImpactReport> {
  const campaigns = yield* campaignsProgram(filter);
  const buyers = yield* buyersProgram(filter);
  const shops = yield* shopsProgram(filter);
  const weeks = yield* weeksProgram(now, filter);
  const volume = yield* volumeProgram(now);
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

/** The whole dashboard on SQLite. */
export function impactReport(database: Database_, now: Date, filter: ImpactFilter = {}): ImpactReport {
  return runReadSync(database.sqlite, impactProgram(now, filter));
}

/** The same dashboard read from PostgreSQL, on one snapshot. */
export function impactReportPostgres(client: pg.ClientBase, now: Date, filter: ImpactFilter = {}): Promise<ImpactReport> {
  return readSnapshotPostgres(client, impactProgram(now, filter));
}

/** The CSV exports: one per table on the page, `;`-separated, euros with a decimal comma. */
export const IMPACT_TABLES = ['campagnes', 'acheteurs', 'commerces', 'categories', 'communes', 'semaines', 'top-commerces'] as const;
export type ImpactTable = (typeof IMPACT_TABLES)[number];

/** One table's CSV, reading only what that table needs (not the whole report). */
export function impactCsv(database: Database_, now: Date, filter: ImpactFilter, table: ImpactTable): string {
  return runReadSync(database.sqlite, impactCsvProgram(now, filter, table));
}

/** impactCsv as a read program (either backend). */
export function* impactCsvProgram(now: Date, filter: ImpactFilter, table: ImpactTable): ReadProgram<string> {
  const line = (cells: (string | number)[]) => cells.map((c) => csvCell(c)).join(';');
  const shopRows = (list: ShopRow[]) => [line(['commerce', 'nom', 'categorie', 'commune', 'encaissements', 'montant']), ...list.map((s) => line([s.slug, s.name, s.category, s.city, s.redemptions, csvEuros(s.spentCents)]))];
  const groupRows = (head: string, list: GroupRow[]) => [line([head, 'commerces', 'encaissements', 'montant']), ...list.map((g) => line([g.key, g.shops, g.redemptions, csvEuros(g.spentCents)]))];
  const lines: Record<ImpactTable, () => ReadProgram<string[]>> = {
    *campagnes() {
      return [line(['campagne', 'nom', 'statut', 'objectif', 'vendu', 'depense', 'vendu_pct', 'depense_pct', 'part_depensee_pct']), ...(yield* campaignsProgram(filter)).map((c) => line([c.slug, c.name, c.status, csvEuros(c.targetCents), csvEuros(c.soldCents), csvEuros(c.redeemedCents), c.soldPercent, c.redeemedPercent, c.spentShare]))];
    },
    *acheteurs() {
      return [line(['type_acheteur', 'commandes', 'bons', 'vendu']), ...(yield* buyersProgram(filter)).map((b) => line([b.buyerType, b.orders, b.vouchers, csvEuros(b.soldCents)]))];
    },
    *commerces() {
      return shopRows(yield* shopsProgram(filter));
    },
    *'top-commerces'() {
      return shopRows(topShops(yield* shopsProgram(filter)));
    },
    *categories() {
      return groupRows('categorie', rollUpShops(yield* shopsProgram(filter), (s) => s.category));
    },
    *communes() {
      return groupRows('commune', rollUpShops(yield* shopsProgram(filter), (s) => s.city));
    },
    *semaines() {
      return [line(['semaine', 'vendu', 'depense']), ...(yield* weeksProgram(now, filter)).map((w) => line([w.week, csvEuros(w.soldCents), csvEuros(w.redeemedCents)]))];
    },
  };
  return '\ufeff' + (yield* lines[table]()).join('\r\n') + '\r\n';
}
