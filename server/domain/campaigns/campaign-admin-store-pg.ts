import { createHash } from 'node:crypto';
import { getTableColumns } from 'drizzle-orm';
import type { PgUnit } from '../../../db/pg-write-behind';
import { campaigns } from '../../../db/schema/index';
import type { Step } from '../../../db/unit-of-work';
import { pgAudit } from '../audit/audit-log-pg';
import { toCampaign, type Campaign, type CampaignRow } from './campaign';
import type { CampaignAdminStore, CampaignColumns } from './campaign-admin-store';

const COLUMN_OF = Object.fromEntries(Object.entries(getTableColumns(campaigns)).map(([key, c]) => [key, c.name])) as Record<string, string>;
/** Every column aliased to its schema key: the SQLite repository's row shape. */
const CAMPAIGN = Object.entries(COLUMN_OF).map(([key, name]) => `"${name}" AS "${key}"`).join(', ');

/** The statement's columns, in a fixed order; its name follows its text (one prepared statement per column set). */
function entries(set: CampaignColumns): [string, unknown][] {
  return Object.entries(set).filter(([k, v]) => v !== undefined && k in COLUMN_OF).sort(([a], [b]) => (a < b ? -1 : 1));
}
const nameOf = (prefix: string, text: string) => `${prefix}_${createHash('sha1').update(text).digest('hex').slice(0, 12)}`;

/** The operator's campaign writes on PostgreSQL (see campaign-admin-store.ts), on one unit of work. */
export function pgCampaignAdminStore(unit: PgUnit): CampaignAdminStore {
  function* rows(name: string, text: string, values: unknown[]): Step<Campaign[]> {
    return (yield* unit.query<CampaignRow>(name, text, values)).rows.map(toCampaign);
  }
  return {
    campaignForUpdate: function* (slug) {
      return (yield* rows('cadmin_campaign_for_update', `SELECT ${CAMPAIGN} FROM campaigns WHERE slug = $1 FOR UPDATE`, [slug]))[0];
    },
    slugTaken: function* (slug) {
      return (yield* unit.query('cadmin_slug_taken', `SELECT 1 FROM campaigns WHERE slug = $1`, [slug])).rows.length > 0;
    },
    // Start dates are ISO text: "C" compares them byte by byte, as SQLite does.
    allCampaigns: () => rows('cadmin_all', `SELECT ${CAMPAIGN} FROM campaigns ORDER BY starts_at COLLATE "C"`, []),
    insertCampaign: function* (row) {
      const cols = entries(row);
      const text = `INSERT INTO campaigns (${cols.map(([k]) => `"${COLUMN_OF[k]}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`;
      yield* unit.query(nameOf('cadmin_insert', text), text, cols.map(([, v]) => v));
    },
    updateCampaign: function* (id, set) {
      const cols = entries(set);
      if (cols.length === 0) return;
      const text = `UPDATE campaigns SET ${cols.map(([k], i) => `"${COLUMN_OF[k]}" = $${i + 2}`).join(', ')} WHERE id = $1`;
      yield* unit.query(nameOf('cadmin_update', text), text, [id, ...cols.map(([, v]) => v)]);
    },
    audit: pgAudit(unit),
  };
}
