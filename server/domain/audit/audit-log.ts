import { and, count, desc, eq, gte, lte, sql, type Column, type SQL } from 'drizzle-orm';
import type { Database_, Tx } from '../../../db/client';
import { auditLog } from '../../../db/schema/index';
import { csvCell } from '../../lib/csv';
import { endOfParisDay, startOfParisDay } from '../../lib/paris-time';

export type AuditEntry = typeof auditLog.$inferSelect;

export interface AuditInput {
  /** 'operator:<id>', 'cli', 'system:<job>'…: whatever the caller already uses as actor. */
  actor: string;
  /** '<entity>_<verb>': 'order_cancel', 'voucher_block'… (not dotted: a quoted dotted name would read as an i18n key). */
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

/**
 * Appends one entry. Always called with the caller's open transaction: the entry commits
 * with the change it records, and a refused or rolled-back action leaves none.
 */
export function audit(tx: Tx, e: AuditInput, now: Date): void {
  tx.insert(auditLog)
    .values({
      at: now.toISOString(),
      actor: e.actor,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId,
      before: e.before === undefined ? null : JSON.stringify(e.before),
      after: e.after === undefined ? null : JSON.stringify(e.after),
      reason: e.reason ?? null,
    })
    .run();
}

export interface AuditFilter {
  /** Matched literally in entity id, actor, action and reason. */
  q?: string;
  actor?: string;
  action?: string;
  entityType?: string;
  /** Paris calendar days, inclusive. */
  from?: string;
  to?: string;
  page?: number;
}

export const AUDIT_PER_PAGE = 50;

// instr() rather than LIKE: what the operator types is matched literally (no wildcards to escape).
const contains = (column: SQL | Column, needle: string) => sql`instr(lower(coalesce(${column}, '')), ${needle}) > 0`;

function where(f: AuditFilter): SQL | undefined {
  const parts: SQL[] = [];
  const q = f.q?.trim().toLowerCase();
  if (q) parts.push(sql`(${contains(auditLog.entityId, q)} OR ${contains(auditLog.actor, q)} OR ${contains(auditLog.action, q)} OR ${contains(auditLog.reason, q)})`);
  if (f.actor) parts.push(eq(auditLog.actor, f.actor));
  if (f.action) parts.push(eq(auditLog.action, f.action));
  if (f.entityType) parts.push(eq(auditLog.entityType, f.entityType));
  if (f.from) parts.push(gte(auditLog.at, startOfParisDay(f.from).toISOString()));
  if (f.to) parts.push(lte(auditLog.at, endOfParisDay(f.to).toISOString()));
  return parts.length ? and(...parts) : undefined;
}

/** One page of entries, newest first, and how many match in all (for the pager). */
export function searchAudit(tx: Tx, f: AuditFilter): { rows: AuditEntry[]; total: number } {
  const filter = where(f);
  const total = tx.select({ n: count() }).from(auditLog).where(filter).get()!.n;
  const rows = tx
    .select()
    .from(auditLog)
    .where(filter)
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(AUDIT_PER_PAGE)
    .offset(((f.page ?? 1) - 1) * AUDIT_PER_PAGE)
    .all();
  return { rows, total };
}

/** The distinct values a filter can take (small: one per kind of action/entity). */
export function auditFacets(tx: Tx): { actions: string[]; entityTypes: string[] } {
  const actions = tx.selectDistinct({ v: auditLog.action }).from(auditLog).orderBy(auditLog.action).all().map((r) => r.v);
  const entityTypes = tx.selectDistinct({ v: auditLog.entityType }).from(auditLog).orderBy(auditLog.entityType).all().map((r) => r.v);
  return { actions, entityTypes };
}

export const AUDIT_CSV_COLUMNS = ['id', 'date', 'acteur', 'action', 'type', 'entite', 'avant', 'apres', 'motif'];

/**
 * The filtered log as CSV lines (`;`, oldest first), read 1 000 rows at a time by keyset
 * so an export of the whole log never sits in memory. The page filter is ignored.
 */
export function* auditCsvLines(database: Database_, f: AuditFilter): Generator<string> {
  yield AUDIT_CSV_COLUMNS.join(';');
  const filter = where(f);
  let after = 0;
  for (;;) {
    const rows = database.db.select().from(auditLog).where(and(filter, sql`${auditLog.id} > ${after}`)).orderBy(auditLog.id).limit(1000).all();
    if (rows.length === 0) return;
    for (const r of rows) yield csvLine(r);
    after = rows[rows.length - 1]!.id;
  }
}

/** One entry as a CSV line of the export. */
export const csvLine = (r: AuditEntry) => [r.id, r.at, r.actor, r.action, r.entityType, r.entityId, r.before, r.after, r.reason].map((c) => csvCell(c)).join(';');
