import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { int64 } from './columns';

/** PostgreSQL mirror of db/schema/audit.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const auditLog = pgTable(
  'audit_log',
  {
    id: int64('id').primaryKey().generatedByDefaultAsIdentity(),
    at: text('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    before: text('before'),
    after: text('after'),
    reason: text('reason'),
  },
  (t) => [index('audit_entity_idx').on(t.entityType, t.entityId), index('audit_at_idx').on(t.at)],
);
