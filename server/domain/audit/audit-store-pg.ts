/**
 * Appending an audit entry as a step on PostgreSQL (the counterpart of audit-log.ts `audit`),
 * shared by the stores of the money paths that run there (the till, the card payment).
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
        'audit_append',
        `INSERT INTO audit_log (at, actor, action, entity_type, entity_id, before, after, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [now.toISOString(), e.actor, e.action, e.entityType, e.entityId, e.before === undefined ? null : JSON.stringify(e.before), e.after === undefined ? null : JSON.stringify(e.after), e.reason ?? null],
      );
    });
}
