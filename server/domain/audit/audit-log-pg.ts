/**
 * Appending to the audit log on PostgreSQL, as a step of the caller's unit of work: held to
 * the unit's last statement (db/pg-write-behind.ts), so the entry commits with the change it
 * records, as audit-log.ts does on SQLite.
 */
import { holdOne, type PgUnit } from '../../../db/pg-write-behind';
import type { Step } from '../../../db/unit-of-work';
import type { AuditInput } from './audit-log';

export function pgAudit(unit: PgUnit): (e: AuditInput, now: Date) => Step<void> {
  return (e, now) =>
    holdOne(
      unit,
      'audit_log',
      `INSERT INTO audit_log (at, actor, action, entity_type, entity_id, before, after, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [now.toISOString(), e.actor, e.action, e.entityType, e.entityId, e.before === undefined ? null : JSON.stringify(e.before), e.after === undefined ? null : JSON.stringify(e.after), e.reason ?? null],
    );
}
