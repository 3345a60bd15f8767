import type { Database_ } from '../../../db/client';
import { maskCode } from '../../lib/codes';

/**
 * The names behind the identifiers of a page of audit entries: operators and shop users by name,
 * orders, statements and batches by reference, shops and campaigns by name, vouchers by masked
 * code. One query per kind for the whole page (at most 50 entries), never one per row.
 */
export interface AuditNames {
  actors: Map<string, string>;
  entities: Map<string, string>;
}

export const ENTITY_SQL: Record<string, string> = {
  order: 'SELECT id, reference AS name FROM orders WHERE id IN',
  voucher: 'SELECT id, code AS name FROM vouchers WHERE id IN',
  merchant: 'SELECT id, name FROM merchants WHERE id IN',
  campaign: 'SELECT id, name FROM campaigns WHERE id IN',
  statement: 'SELECT id, reference AS name FROM statements WHERE id IN',
  settlement_batch: 'SELECT id, reference AS name FROM settlement_batches WHERE id IN',
};
export const ACTOR_SQL: Record<string, string> = {
  operator: 'SELECT id, name FROM operator_users WHERE id IN',
  user: 'SELECT id, name FROM merchant_users WHERE id IN',
  key: 'SELECT id, label AS name FROM api_keys WHERE id IN',
};

function names(database: Database_, sql: string, ids: string[]): Map<string, string> {
  if (!ids.length) return new Map();
  const rows = database.sqlite.prepare(`${sql} (${ids.map(() => '?').join(',')})`).all(...ids) as { id: string; name: string }[];
  return new Map(rows.map((r) => [r.id, r.name]));
}

export function auditNames(database: Database_, entries: { actor: string; entityType: string; entityId: string }[]): AuditNames {
  const actors = new Map<string, string>();
  for (const [kind, sql] of Object.entries(ACTOR_SQL)) {
    const ids = [...new Set(entries.map((e) => e.actor).filter((a) => a.startsWith(`${kind}:`)).map((a) => a.slice(kind.length + 1)))];
    for (const [id, name] of names(database, sql, ids)) actors.set(`${kind}:${id}`, name);
  }
  const entities = new Map<string, string>();
  for (const [type, sql] of Object.entries(ENTITY_SQL)) {
    const ids = [...new Set(entries.filter((e) => e.entityType === type).map((e) => e.entityId))];
    for (const [id, name] of names(database, sql, ids)) entities.set(`${type}:${id}`, type === 'voucher' ? maskCode(name) : name);
  }
  return { actors, entities };
}
