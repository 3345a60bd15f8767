import type pg from 'pg';
import type { PgUnit } from '../../../db/pg-write-behind';
import { pgSelectList } from '../../../db/pg-select-list';
import { merchants, merchantUsers } from '../../../db/schema/index';
import type { Step } from '../../../db/unit-of-work';
import { AppError } from '../../lib/errors';
import { pgAudit } from '../audit/audit-log-pg';
import { acceptsCategory } from '../campaigns/accepted-categories';
import type { Merchant, MerchantUser } from './merchant-users-repository';
import type { MerchantPatch, MerchantReviewStore, MerchantSearch } from './merchant-review-store';
import { pgShopAccountStore } from './shop-accounts-store-pg';

const MERCHANT = pgSelectList(merchants);
const USER = pgSelectList(merchantUsers);
const PATCH_COLUMNS: Record<keyof MerchantPatch, string> = {
  name: 'name', siret: 'siret', category: 'category', address: 'address', postalCode: 'postal_code', city: 'city', iban: 'iban', bic: 'bic',
  accountHolder: 'account_holder', contactEmail: 'contact_email', phone: 'phone', openingHours: 'opening_hours', website: 'website',
};
const PATCH_KEYS = Object.keys(PATCH_COLUMNS) as (keyof MerchantPatch)[];

/**
 * The operator's shop review on PostgreSQL (see merchant-review-store.ts): the unit's own
 * statements, the password links and outbox through the shop accounts' store on the same
 * connection (same transaction), the audit entry held to the unit's end.
 */
export function pgMerchantReviewStore(unit: PgUnit, client: pg.ClientBase): MerchantReviewStore {
  function* rows<R>(name: string, text: string, values: unknown[]): Step<R[]> {
    return (yield* unit.query<R>(name, text, values)).rows;
  }
  return {
    accounts: pgShopAccountStore(client),
    merchantForUpdate: function* (slug) {
      return (yield* rows<Merchant>('review_merchant_for_update', `SELECT ${MERCHANT} FROM merchants WHERE slug = $1 FOR UPDATE`, [slug]))[0];
    },
    // Ties on created_at keep SQLite's rowid order only by chance there; the id settles them here.
    owner: function* (merchantId) {
      return (yield* rows<MerchantUser>('review_owner', `SELECT ${USER} FROM merchant_users WHERE merchant_id = $1 AND role = 'owner' ORDER BY created_at COLLATE "C", id LIMIT 1`, [merchantId]))[0];
    },
    setStatus: function* (id, status, reason) {
      yield* unit.query('review_set_status', `UPDATE merchants SET status = $2, status_reason = $3 WHERE id = $1`, [id, status, reason]);
    },
    assertSiretFree: function* (siret, except) {
      if ((yield* rows('review_siret', `SELECT id FROM merchants WHERE siret = $1 AND id <> $2 LIMIT 1`, [siret, except])).length)
        throw new AppError('SIRET_TAKEN', 409, 'onboarding.errors.siret_taken', { siret: 'onboarding.errors.siret_taken' });
    },
    assertEmailFree: function* (email, except) {
      if ((yield* rows('review_email', `SELECT id FROM merchant_users WHERE email = $1 AND id <> $2 LIMIT 1`, [email, except])).length)
        throw new AppError('EMAIL_TAKEN', 409, 'onboarding.errors.email_taken', { contactEmail: 'onboarding.errors.email_taken' });
    },
    updateMerchant: function* (id, patch) {
      // Always the whole patch the edit form sends (every key present): one statement shape.
      const keys = PATCH_KEYS.filter((k) => patch[k] !== undefined);
      const text = `UPDATE merchants SET ${keys.map((k, i) => `${PATCH_COLUMNS[k]} = $${i + 2}`).join(', ')} WHERE id = $1`;
      yield* unit.query(`review_update_${keys.length === PATCH_KEYS.length ? 'all' : keys.join('_')}`, text, [id, ...keys.map((k) => patch[k])]);
    },
    updateOwnerContact: function* (userId, name, email) {
      yield* unit.query('review_owner_contact', `UPDATE merchant_users SET name = $2, email = $3 WHERE id = $1`, [userId, name, email]);
    },
    assignableCampaigns: () =>
      rows('review_assignable', `SELECT id, name, status, accepted_categories AS "acceptedCategories" FROM campaigns WHERE status <> 'draft' ORDER BY name COLLATE "C"`, []),
    campaignIds: function* (merchantId) {
      return (yield* rows<{ id: string }>('review_campaign_ids', `SELECT campaign_id AS id FROM campaign_merchants WHERE merchant_id = $1`, [merchantId])).map((r) => r.id);
    },
    replaceCampaigns: function* (merchantId, ids, allowed, category) {
      const existing = (yield* rows<{ id: string }>('review_campaign_ids', `SELECT campaign_id AS id FROM campaign_merchants WHERE merchant_id = $1`, [merchantId])).map((r) => r.id);
      const keep = ids.filter((id) => allowed.some((c) => c.id === id && (existing.includes(id) || acceptsCategory(c.acceptedCategories, category))));
      yield* unit.query('review_unlink_campaigns', `DELETE FROM campaign_merchants WHERE merchant_id = $1`, [merchantId]);
      if (keep.length) yield* unit.query('review_link_campaigns', `INSERT INTO campaign_merchants (campaign_id, merchant_id) SELECT unnest($2::text[]), $1`, [merchantId, keep]);
      return keep;
    },
    audit: pgAudit(unit),
    search: function* (filter, limit) {
      // SQLite's LIKE ignores ASCII case: ILIKE here. Typed wildcards are taken literally (escaped).
      const q = filter.q?.trim() ?? '';
      const pattern = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
      const digits = q.replace(/\s/g, '');
      const siret = q && /^\d{3,14}$/.test(digits) ? `${digits}%` : null;
      const list = yield* rows<MerchantSearch['rows'][number]>(
        'review_search',
        `SELECT slug, name, city, category, siret, status, created_at AS "createdAt" FROM merchants
         WHERE ($1::text IS NULL OR status = $1)
           AND ($2::text IS NULL OR name ILIKE $2 OR city ILIKE $2 OR contact_email ILIKE $2 OR slug ILIKE $2 OR ($3::text IS NOT NULL AND siret LIKE $3))
         ORDER BY created_at COLLATE "C" DESC, name COLLATE "C" LIMIT $4`,
        [filter.status ?? null, pattern, siret, limit],
      );
      const counts = yield* rows<{ status: Merchant['status']; n: number }>('review_counts', `SELECT status, count(*)::int AS n FROM merchants GROUP BY status`, []);
      return { rows: list, counts: Object.fromEntries(counts.map((r) => [r.status, r.n])) };
    },
  };
}
