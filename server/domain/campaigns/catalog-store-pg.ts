import { getTableColumns } from 'drizzle-orm';
import type pg from 'pg';
import { preparedOn, quotedAliases } from '../../../db/postgres';
import { campaigns } from '../../../db/schema/index';
import { awaited } from '../../../db/unit-of-work';
import type { OpeningSlot } from '../merchants/opening-hours';
import { toCampaign, type CampaignRow } from './campaign';
import type { CampaignMerchant } from './campaigns-repository';
import { PROGRESS_BY_SLUG_SQL, SHOP_COUNT_SQL, type CampaignProgressKey, type CatalogStore } from './catalog-store';

/** Every column of the SQLite schema's campaigns table, aliased to its key: the repository's row shape. */
const CAMPAIGN = Object.entries(getTableColumns(campaigns)).map(([key, c]) => `"${c.name}" AS "${key}"`).join(', ');

const SHOP = `m.id, m.slug, m.name, m.category, m.address, m.postal_code AS "postalCode", m.city, m.website, m.opening_hours AS "openingHours", m.latitude, m.longitude`;
const APPROVED_OF = `FROM campaign_merchants cm JOIN merchants m ON m.id = cm.merchant_id WHERE cm.campaign_id = $1 AND m.status = 'approved'`;
// SQLite compares text byte by byte; the cluster's collation may not: "C" gives the same order on both.
const BY_TOWN_NAME = `ORDER BY m.city COLLATE "C", m.name COLLATE "C"`;

/**
 * The public pages' reads on PostgreSQL (catalog-store.ts says what each answers), prepared
 * once per pooled connection. bigint columns come back as numbers (the pool's type parsers).
 */
export function pgCatalogStore(client: pg.ClientBase): CatalogStore {
  const q = preparedOn(client);
  const campaignWhere = (name: string, where: string, value: string) =>
    awaited(async () => {
      const row = (await q<CampaignRow>(name, `SELECT ${CAMPAIGN} FROM campaigns WHERE ${where} = $1`, [value])).rows[0];
      return row && toCampaign(row);
    });
  return {
    campaignBySlug: (slug) => campaignWhere('catalog_campaign_slug', 'slug', slug),
    campaignById: (id) => campaignWhere('catalog_campaign_id', 'id', id),
    publicCampaigns: () =>
      awaited(async () => (await q<CampaignRow>('catalog_public', `SELECT ${CAMPAIGN} FROM campaigns WHERE status != 'draft' ORDER BY status COLLATE "C", starts_at COLLATE "C"`, [])).rows.map(toCampaign)),
    campaignShops: (id) => awaited(async () => (await q<CampaignMerchant>('catalog_shops', `SELECT ${SHOP} ${APPROVED_OF} ${BY_TOWN_NAME}`, [id])).rows),
    campaignSlots: (id) =>
      awaited(async () =>
        (await q<OpeningSlot & { merchantId: string }>(
          'catalog_slots',
          `SELECT h.merchant_id AS "merchantId", h.weekday, h.opens_minute AS "opensMinute", h.closes_minute AS "closesMinute"
           ${APPROVED_OF.replace('FROM campaign_merchants cm JOIN merchants m ON m.id = cm.merchant_id', 'FROM campaign_merchants cm JOIN merchants m ON m.id = cm.merchant_id JOIN merchant_opening_hours h ON h.merchant_id = cm.merchant_id')}`,
          [id],
        )).rows),
    shopCount: (id) => awaited(async () => (await q<{ n: number }>('catalog_shop_count', SHOP_COUNT_SQL.replace('?', '$1'), [id])).rows[0]?.n ?? 0),
    voucherShops: (id, limit) =>
      awaited(async () => {
        const shops = (await q<{ name: string; category: string; address: string; postalCode: string; city: string }>(
          'catalog_voucher_shops',
          `SELECT m.name, m.category, m.address, m.postal_code AS "postalCode", m.city ${APPROVED_OF} ${BY_TOWN_NAME} LIMIT $2`,
          [id, limit],
        )).rows;
        const total = shops.length < limit ? shops.length : ((await q<{ n: number }>('catalog_shop_count', SHOP_COUNT_SQL.replace('?', '$1'), [id])).rows[0]?.n ?? 0);
        return { shops, total };
      }),
    progressBySlug: (slug) => awaited(async () => (await q<CampaignProgressKey>('catalog_progress', quotedAliases(PROGRESS_BY_SLUG_SQL).replace('?', '$1'), [slug])).rows[0]),
    progressVersion: () =>
      awaited(async () =>
        (await q<{ v: string | null }>(
          'catalog_progress_all',
          `SELECT string_agg(slug || ':' || sold_cents || ':' || redeemed_cents || ':' || status || ':' || bonus_reserved_cents || ':' || bonus_used_cents || ':' || bonus_budget_cents, ',' ORDER BY slug COLLATE "C") AS v FROM campaigns`,
          [],
        )).rows[0]?.v ?? ''),
  };
}
