import type { Statement } from 'better-sqlite3';
import { sqliteOf, type Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import { campaignOpeningHours } from '../merchants/opening-hours-repository';
import type { OpeningSlot } from '../merchants/opening-hours';
import type { Campaign } from './campaign';
import { findCampaignById, findCampaignBySlug, listCampaignMerchants, listPublicCampaigns, type CampaignMerchant } from './campaigns-repository';
import { listVoucherShops, type VoucherShops } from './voucher-shops-repository';

/** The figures that change with every sale or redemption: the public pages' cache key. */
export interface CampaignProgressKey {
  sold: number;
  redeemed: number;
  status: string;
  bonus: string;
}

/**
 * What the public pages read about campaigns and their shops (home, campaign page and its
 * directory, embed widget, voucher page, public API): reads only. SQLite here (the existing
 * repository functions, unchanged), PostgreSQL in catalog-store-pg.ts. Rows come back in
 * the SQLite repositories' shapes on both.
 */
export interface CatalogStore {
  campaignBySlug(slug: string): Step<Campaign | undefined>;
  campaignById(id: string): Step<Campaign | undefined>;
  /** Everything but drafts, by status then start. */
  publicCampaigns(): Step<Campaign[]>;
  /** The approved shops of a campaign, by town then name. */
  campaignShops(campaignId: string): Step<CampaignMerchant[]>;
  /** The weekly slots of a campaign's approved shops (unordered). */
  campaignSlots(campaignId: string): Step<(OpeningSlot & { merchantId: string })[]>;
  /** How many approved shops a campaign has, without loading them. */
  shopCount(campaignId: string): Step<number>;
  /** The first `limit` approved shops (by town, then name) and their number. */
  voucherShops(campaignId: string, limit: number): Step<VoucherShops>;
  progressBySlug(slug: string): Step<CampaignProgressKey | undefined>;
  /** Every campaign's figures in one string: the home page's cache key. */
  progressVersion(): Step<string>;
}

/** Written once for both dialects: `||` and the aggregate are the only engine-specific parts (see the PostgreSQL store). */
export const PROGRESS_BY_SLUG_SQL = `SELECT sold_cents AS sold, redeemed_cents AS redeemed, status, bonus_reserved_cents || '/' || bonus_used_cents || '/' || bonus_budget_cents AS bonus FROM campaigns WHERE slug = ?`;
const PROGRESS_ALL_SQLITE = `SELECT group_concat(slug || ':' || sold_cents || ':' || redeemed_cents || ':' || status || ':' || bonus_reserved_cents || ':' || bonus_used_cents || ':' || bonus_budget_cents, ',') AS v FROM campaigns`;
export const SHOP_COUNT_SQL = `SELECT COUNT(*) AS n FROM campaign_merchants cm JOIN merchants m ON m.id = cm.merchant_id WHERE cm.campaign_id = ? AND m.status = 'approved'`;

const statements = new WeakMap<object, { one: Statement<[string], CampaignProgressKey>; all: Statement<[], { v: string | null }>; shops: Statement<[string], { n: number }> }>();

/** SQLite: the repository functions as before; the cache-key reads prepared once per connection (a few µs each). */
export function sqliteCatalogStore(tx: Tx): CatalogStore {
  const sqlite = sqliteOf(tx);
  let st = statements.get(sqlite);
  if (!st) {
    st = { one: sqlite.prepare(PROGRESS_BY_SLUG_SQL), all: sqlite.prepare(PROGRESS_ALL_SQLITE), shops: sqlite.prepare(SHOP_COUNT_SQL) };
    statements.set(sqlite, st);
  }
  const s = st;
  return {
    campaignBySlug: (slug) => done(findCampaignBySlug(tx, slug)),
    campaignById: (id) => done(findCampaignById(tx, id)),
    publicCampaigns: () => done(listPublicCampaigns(tx)),
    campaignShops: (id) => done(listCampaignMerchants(tx, id)),
    campaignSlots: (id) => done(campaignOpeningHours(tx, id)),
    shopCount: (id) => done(s.shops.get(id)?.n ?? 0),
    voucherShops: (id, limit) => done(listVoucherShops(tx, id, limit)),
    progressBySlug: (slug) => done(s.one.get(slug)),
    progressVersion: () => done(s.all.get()?.v ?? ''),
  };
}
