import type { PgDatabase } from '../../../db/postgres-pool';
import type { Voucher } from '../vouchers/voucher';
import { PG_VOUCHER_COLUMNS } from '../vouchers/voucher-ledger-repository-pg';
import { normaliseCodeInput, shopVoucherView } from './redemptions-service';

type Row = Voucher & { campaignSlug: string; campaignName: string; shopStatus: string | null };

/**
 * The till's lookup of a code (GET /api/v1/vouchers/:code) on PostgreSQL: the three reads of
 * the SQLite path (voucher, campaign, this shop's acceptance) as one statement on a pooled
 * connection, no transaction (a lookup decides nothing; the redemption re-reads under lock).
 */
export async function voucherForShopPostgres(pgdb: PgDatabase, now: Date, merchantId: string, input: string) {
  const code = normaliseCodeInput(input);
  const { rows } = await pgdb.pool.query<Row>({
    name: 'till_voucher_lookup',
    text: `SELECT ${PG_VOUCHER_COLUMNS},
             (SELECT c.slug FROM campaigns c WHERE c.id = vouchers.campaign_id) AS "campaignSlug",
             (SELECT c.name FROM campaigns c WHERE c.id = vouchers.campaign_id) AS "campaignName",
             (SELECT m.status FROM campaign_merchants cm JOIN merchants m ON m.id = cm.merchant_id
               WHERE cm.merchant_id = $2 AND cm.campaign_id = vouchers.campaign_id) AS "shopStatus"
           FROM vouchers WHERE code = $1`,
    values: [code, merchantId],
  });
  const row = rows[0];
  if (!row) return shopVoucherView(undefined, undefined, null, now);
  const { campaignSlug, campaignName, shopStatus, ...voucher } = row;
  return shopVoucherView(voucher, { slug: campaignSlug, name: campaignName }, shopStatus, now);
}
