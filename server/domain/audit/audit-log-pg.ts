/**
 * Appending to the audit log on PostgreSQL, as a step of the caller's unit of work (the entry
 * commits with the change it records, as audit-log.ts does on SQLite).
 */
import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { awaited, type Step } from '../../../db/unit-of-work';
import type { AuditInput } from './audit-log';

export function pgAudit(client: pg.ClientBase): (e: AuditInput, now: Date) => Step<void> {
  const q = preparedOn(client);
  return (e, now) =>
    awaited(async () => {
      await q(
        'audit_insert',
        `INSERT INTO audit_log (at, actor, action, entity_type, entity_id, before, after, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [now.toISOString(), e.actor, e.action, e.entityType, e.entityId, e.before === undefined ? null : JSON.stringify(e.before), e.after === undefined ? null : JSON.stringify(e.after), e.reason ?? null],
      );
    });
}
