/**
 * The names behind the identifiers of a page of audit entries: operators and shop users by name,
 * orders, statements and batches by reference, shops and campaigns by name, vouchers by masked
 * code. One query per kind for the whole page (at most 50 entries), never one per row: the
 * lookups are audit-log-read.ts's auditNamesProgram, on either backend.
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
