import type { Dialect, ReadProgram, Row, SqlValue } from '../../../db/read-program';
import { maskCode } from '../../lib/codes';
import { endOfParisDay, startOfParisDay } from '../../lib/paris-time';
import { AUDIT_CSV_COLUMNS, AUDIT_PER_PAGE, csvLine, type AuditEntry, type AuditFilter } from './audit-log';
import { ACTOR_SQL, ENTITY_SQL, type AuditNames } from './audit-names';

/**
 * The back-office's audit log pages as read programs (db/read-program.ts): the filter of
 * audit-log.ts written once in portable SQL, run on SQLite and PostgreSQL alike. The text
 * search stays literal on both: SQLite's instr(), PostgreSQL's strpos() (no LIKE wildcards).
 */
const COLUMNS = 'id, at, actor, action, entity_type AS entitytype, entity_id AS entityid, before, after, reason';

function where(dialect: Dialect, f: AuditFilter): { sql: string; params: Record<string, SqlValue> } {
  const parts: string[] = [];
  const params: Record<string, SqlValue> = {};
  const find = dialect === 'postgres' ? 'strpos' : 'instr';
  const contains = (column: string) => `${find}(lower(coalesce(${column}, '')), @q) > 0`;
  const q = f.q?.trim().toLowerCase();
  if (q) {
    parts.push(`(${contains('entity_id')} OR ${contains('actor')} OR ${contains('action')} OR ${contains('reason')})`);
    params.q = q;
  }
  if (f.actor) (parts.push('actor = @actor'), (params.actor = f.actor));
  if (f.action) (parts.push('action = @action'), (params.action = f.action));
  if (f.entityType) (parts.push('entity_type = @entityType'), (params.entityType = f.entityType));
  if (f.from) (parts.push('at >= @from'), (params.from = startOfParisDay(f.from).toISOString()));
  if (f.to) (parts.push('at <= @to'), (params.to = endOfParisDay(f.to).toISOString()));
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

const entry = (r: Row): AuditEntry => ({
  id: Number(r.id), at: r.at as string, actor: r.actor as string, action: r.action as string, entityType: r.entitytype as string,
  entityId: r.entityid as string, before: (r.before as string | null) ?? null, after: (r.after as string | null) ?? null, reason: (r.reason as string | null) ?? null,
});

export interface AuditPage {
  rows: AuditEntry[];
  total: number;
  facets: { actions: string[]; entityTypes: string[] };
  names: AuditNames;
}

/** One page of entries (newest first), the count for the pager, the filters' values and the names behind the page's ids. */
export function auditPageProgram(f: AuditFilter) {
  return function* (dialect: Dialect): ReadProgram<AuditPage> {
    const w = where(dialect, f);
    const [counted] = yield { sql: `SELECT COUNT(*) AS n FROM audit_log ${w.sql}`, params: w.params };
    const rows = (yield {
      sql: `SELECT ${COLUMNS} FROM audit_log ${w.sql} ORDER BY at DESC, id DESC LIMIT @limit OFFSET @offset`,
      params: { ...w.params, limit: AUDIT_PER_PAGE, offset: ((f.page ?? 1) - 1) * AUDIT_PER_PAGE },
    }).map(entry);
    const actions = (yield { sql: 'SELECT DISTINCT action AS v FROM audit_log ORDER BY action' }).map((r) => r.v as string);
    const entityTypes = (yield { sql: 'SELECT DISTINCT entity_type AS v FROM audit_log ORDER BY entity_type' }).map((r) => r.v as string);
    const names = yield* auditNamesProgram(rows);
    return { rows, total: Number(counted!.n), facets: { actions, entityTypes }, names };
  };
}

/** One entity's entries, oldest first (a voucher's support history): the audit_log entity index. */
export function* entityAuditProgram(entityType: string, entityId: string): ReadProgram<AuditEntry[]> {
  const rows = yield { sql: `SELECT ${COLUMNS} FROM audit_log WHERE entity_type = @entityType AND entity_id = @entityId ORDER BY at, id`, params: { entityType, entityId } };
  return rows.map(entry);
}

/** audit-names.ts's lookups as reads: one query per kind for the whole page. */
export function* auditNamesProgram(entries: { actor: string; entityType: string; entityId: string }[]): ReadProgram<AuditNames> {
  const lookup = function* (sql: string, ids: string[]): ReadProgram<Map<string, string>> {
    if (!ids.length) return new Map();
    const params = Object.fromEntries(ids.map((id, i) => [`id${i}`, id]));
    const rows = yield { sql: `${sql} (${ids.map((_, i) => `@id${i}`).join(', ')})`, params };
    return new Map(rows.map((r) => [r.id as string, r.name as string]));
  };
  const actors = new Map<string, string>();
  for (const [kind, sql] of Object.entries(ACTOR_SQL)) {
    const ids = [...new Set(entries.map((e) => e.actor).filter((a) => a.startsWith(`${kind}:`)).map((a) => a.slice(kind.length + 1)))];
    for (const [id, name] of yield* lookup(sql, ids)) actors.set(`${kind}:${id}`, name);
  }
  const entities = new Map<string, string>();
  for (const [type, sql] of Object.entries(ENTITY_SQL)) {
    const ids = [...new Set(entries.filter((e) => e.entityType === type).map((e) => e.entityId))];
    for (const [id, name] of yield* lookup(sql, ids)) entities.set(`${type}:${id}`, type === 'voucher' ? maskCode(name) : name);
  }
  return { actors, entities };
}

/** The CSV export (oldest first) read 1 000 rows at a time by keyset, each chunk its own read. */
export function auditCsvChunkProgram(f: AuditFilter, after: number) {
  return function* (dialect: Dialect): ReadProgram<AuditEntry[]> {
    const w = where(dialect, f);
    const sql = `SELECT ${COLUMNS} FROM audit_log ${w.sql ? `${w.sql} AND` : 'WHERE'} id > @after ORDER BY id LIMIT 1000`;
    return (yield { sql, params: { ...w.params, after } }).map(entry);
  };
}

export async function* auditCsvLinesOn(read: <T>(program: (dialect: Dialect) => ReadProgram<T>) => T | Promise<T>, f: AuditFilter): AsyncGenerator<string> {
  yield AUDIT_CSV_COLUMNS.join(';');
  let after = 0;
  for (;;) {
    const rows = await read(auditCsvChunkProgram(f, after));
    if (rows.length === 0) return;
    for (const r of rows) yield csvLine(r);
    after = rows[rows.length - 1]!.id;
  }
}
