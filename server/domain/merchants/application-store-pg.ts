import { getTableColumns } from 'drizzle-orm';
import type { PgUnit } from '../../../db/pg-write-behind';
import { merchants } from '../../../db/schema/index';
import type { Step } from '../../../db/unit-of-work';
import { AppError } from '../../lib/errors';
import { pgAudit } from '../audit/audit-log-pg';
import type { ApplicationStore } from './application-store';

const MERCHANT_COLUMNS = Object.entries(getTableColumns(merchants)).map(([key, c]) => [key, c.name] as const);
const INSERT_MERCHANT = `INSERT INTO merchants (${MERCHANT_COLUMNS.map(([, n]) => `"${n}"`).join(', ')}) VALUES (${MERCHANT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`;

/** The advisory lock key public applications take (an arbitrary constant: "apply" in ASCII). */
export const APPLICATION_LOCK = 0x6170706c79;

/**
 * The public application on PostgreSQL, on a unit of work (pgUnitOfWork). READ COMMITTED does
 * not serialise two applications as SQLite's BEGIN IMMEDIATE does, and SIRET is not unique in
 * the schema (demo shops have none): the unit takes a transaction-scoped advisory lock first,
 * so a double submit's second unit checks after the first committed. Slugs and owner emails
 * are unique keys besides. The audit entry is held to the unit's end (audit-log-pg.ts).
 */
export function pgApplicationStore(unit: PgUnit): ApplicationStore {
  function* rows<R>(name: string, text: string, values: unknown[]): Step<R[]> {
    return (yield* unit.query<R>(name, text, values)).rows;
  }
  return {
    openCampaigns: () => rows('apply_open_campaigns', `SELECT id, name FROM campaigns WHERE status = 'active' ORDER BY name COLLATE "C"`, []),
    *lockApplications() {
      yield* unit.query('apply_lock', `SELECT pg_advisory_xact_lock($1)`, [APPLICATION_LOCK]);
    },
    *assertSiretFree(siret) {
      if ((yield* rows('apply_siret', `SELECT id FROM merchants WHERE siret = $1 LIMIT 1`, [siret])).length)
        throw new AppError('SIRET_TAKEN', 409, 'onboarding.errors.siret_taken', { siret: 'onboarding.errors.siret_taken' });
    },
    *assertEmailFree(email) {
      if ((yield* rows('apply_email', `SELECT id FROM merchant_users WHERE email = $1`, [email])).length)
        throw new AppError('EMAIL_TAKEN', 409, 'onboarding.errors.email_taken', { contactEmail: 'onboarding.errors.email_taken' });
    },
    *slugTaken(slug) {
      return (yield* rows('apply_slug', `SELECT id FROM merchants WHERE slug = $1`, [slug])).length > 0;
    },
    activeCampaigns: (ids) =>
      rows('apply_active_campaigns', `SELECT id, accepted_categories AS "acceptedCategories" FROM campaigns WHERE id = ANY($1::text[]) AND status = 'active'`, [ids]),
    *insertMerchant(m) {
      yield* unit.query('apply_insert_merchant', INSERT_MERCHANT, MERCHANT_COLUMNS.map(([key]) => (m as Record<string, unknown>)[key] ?? null));
    },
    *linkCampaigns(merchantId, ids) {
      if (ids.length) yield* unit.query('apply_link_campaigns', `INSERT INTO campaign_merchants (campaign_id, merchant_id) SELECT c, $2 FROM unnest($1::text[]) AS c`, [ids, merchantId]);
    },
    *insertOwner(row) {
      yield* unit.query(
        'apply_insert_owner',
        `INSERT INTO merchant_users (id, merchant_id, email, name, role, password_hash, created_at, removed_at) VALUES ($1, $2, $3, $4, 'owner', NULL, $5, NULL)`,
        [row.id, row.merchantId, row.email, row.name, row.createdAt],
      );
    },
    audit: pgAudit(unit),
  };
}
