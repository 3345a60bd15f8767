/**
 * The till's side of the audit: redemptions are not copied into audit_log (thousands a
 * minute on the benchmarked hot path); the `redemptions` table already is their append-only
 * record (who, when, which shop, voucher, amount) and each one's `redeem` movement holds the
 * balance after. This module reads them for the audit page and its CSV export.
 *
 * Every query is chosen to stay on an index, whatever the size of the table:
 * - newest first by `number` (unique index, grows with time), keyset paging on it;
 * - shop + dates on the (merchant_id, created_at) index;
 * - a voucher code through its `redeem` movements ((voucher_id, seq) index): redemptions
 *   has no voucher_id index on purpose, every index there is paid by each till call;
 * - the page's movements by `voucher_id IN (…) AND redemption_id IN (…)`, since movements
 *   has no redemption_id index either.
 */
import type { Dialect, ReadProgram, Row as SqlRow, SqlValue, StreamProgram } from '../../../db/read-program';
import { csvCell, csvEuros } from '../../lib/csv';
import { endOfParisDay, parisDateTime, startOfParisDay } from '../../lib/paris-time';

export interface RedemptionEventFilter {
  merchantId?: string;
  /** Normalised voucher code (see parseCode); exact match. */
  code?: string;
  /** Paris calendar days, inclusive. */
  from?: string;
  to?: string;
  /** Keyset: only redemptions numbered below this one (the following page). */
  before?: number;
}

export interface RedemptionEvent {
  id: string;
  number: number;
  createdAt: string;
  merchantId: string;
  merchantName: string;
  actor: string;
  /** The shop user's name or the API key's label, when the actor is still known. */
  actorName: string | null;
  maskedCode: string;
  amountCents: number;
  balanceBeforeCents: number | null;
  balanceAfterCents: number | null;
  status: 'completed' | 'voided';
  voidedAt: string | null;
  voidedBy: string | null;
  voidedByName: string | null;
}

export const REDEMPTION_EVENTS_PER_PAGE = 50;
const CSV_CHUNK = 1000;

/** Only the last group is shown: a full code is a bearer instrument. */
export const maskCode = (code: string): string => `••••-••••-••••-••••-${code.slice(-4)}`;

const unique = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => !!v))];

/**
 * The page and its CSV as read programs (db/read-program.ts): portable SQL run on SQLite or
 * PostgreSQL (readOn / streamOn). Lists go in as numbered parameters (@p0, @p1…).
 */
class Params {
  readonly values: Record<string, SqlValue> = {};
  private n = 0;
  one(v: SqlValue): string {
    const name = `p${this.n++}`;
    this.values[name] = v;
    return `@${name}`;
  }
  list(vs: readonly string[]): string {
    return vs.map((v) => this.one(v)).join(', ');
  }
}

/** The WHERE clauses of a filter, or null when it can match nothing (unknown code). */
function* conditions(f: RedemptionEventFilter, p: Params): ReadProgram<string[] | null> {
  const parts: string[] = [];
  if (f.merchantId) parts.push(`merchant_id = ${p.one(f.merchantId)}`);
  if (f.from) parts.push(`created_at >= ${p.one(startOfParisDay(f.from).toISOString())}`);
  if (f.to) parts.push(`created_at <= ${p.one(endOfParisDay(f.to).toISOString())}`);
  if (f.code) {
    const found = yield { sql: `SELECT m.redemption_id AS id FROM vouchers v JOIN movements m ON m.voucher_id = v.id WHERE v.code = @code AND m.kind = 'redeem'`, params: { code: f.code } };
    const ids = found.map((r) => String(r.id));
    if (ids.length === 0) return null;
    parts.push(`id IN (${p.list(ids)})`);
  }
  return parts;
}

interface Row {
  id: string;
  number: number;
  createdAt: string;
  merchantId: string;
  voucherId: string;
  actor: string;
  amountCents: number;
  status: 'completed' | 'voided';
  voidedAt: string | null;
  voidedBy: string | null;
}

function* pairs(sql: (p: Params) => string): ReadProgram<Map<string, SqlRow>> {
  const p = new Params();
  const text = sql(p);
  const rows = yield { sql: text, params: p.values };
  return new Map(rows.map((r) => [String(r.id), r]));
}

/** 'user:<id>' → the shop user's name, 'key:<id>' → the key's label (one query each per page). */
function* actorNames(actors: string[]): ReadProgram<Map<string, string>> {
  const ids = (prefix: string) => unique(actors.filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length)));
  const names = new Map<string, string>();
  const users = ids('user:');
  if (users.length) for (const [id, u] of yield* pairs((p) => `SELECT id, name FROM merchant_users WHERE id IN (${p.list(users)})`)) names.set(`user:${id}`, String(u.name));
  const keys = ids('key:');
  if (keys.length) for (const [id, k] of yield* pairs((p) => `SELECT id, label AS name FROM api_keys WHERE id IN (${p.list(keys)})`)) names.set(`key:${id}`, String(k.name));
  return names;
}

/** Fills in shop names, masked codes, balances and actor names for a page of rows. */
function* enrich(rows: Row[]): ReadProgram<RedemptionEvent[]> {
  if (rows.length === 0) return [];
  const voucherIds = unique(rows.map((r) => r.voucherId));
  const codes = yield* pairs((p) => `SELECT id, code FROM vouchers WHERE id IN (${p.list(voucherIds)})`);
  const shops = yield* pairs((p) => `SELECT id, name FROM merchants WHERE id IN (${p.list(unique(rows.map((r) => r.merchantId)))})`);
  const after = yield* pairs(
    (p) => `SELECT redemption_id AS id, balance_after_cents AS b FROM movements
      WHERE voucher_id IN (${p.list(voucherIds)}) AND redemption_id IN (${p.list(rows.map((r) => r.id))}) AND kind = 'redeem'`,
  );
  const names = yield* actorNames(unique(rows.flatMap((r) => [r.actor, r.voidedBy])));
  return rows.map((r) => {
    const b = after.get(r.id)?.b;
    const balanceAfterCents = b === undefined || b === null ? null : Number(b);
    const code = codes.get(r.voucherId)?.code;
    const shop = shops.get(r.merchantId)?.name;
    return {
      id: r.id, number: r.number, createdAt: r.createdAt, merchantId: r.merchantId, merchantName: shop === undefined ? r.merchantId : String(shop),
      actor: r.actor, actorName: names.get(r.actor) ?? null, maskedCode: maskCode(code === undefined ? '????' : String(code)), amountCents: r.amountCents,
      balanceBeforeCents: balanceAfterCents === null ? null : balanceAfterCents + r.amountCents, balanceAfterCents,
      status: r.status, voidedAt: r.voidedAt, voidedBy: r.voidedBy, voidedByName: r.voidedBy ? names.get(r.voidedBy) ?? null : null,
    };
  });
}

function* page(f: RedemptionEventFilter, limit: number): ReadProgram<{ rows: RedemptionEvent[]; next: number | null }> {
  const p = new Params();
  const parts = yield* conditions(f, p);
  if (!parts) return { rows: [], next: null };
  if (f.before !== undefined) parts.push(`number < ${p.one(f.before)}`);
  const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
  // redemptions alone (no join): the planner then walks the number index backwards and stops at the limit.
  const found = yield {
    sql: `SELECT id, number, created_at AS createdat, merchant_id AS merchantid, voucher_id AS voucherid, actor,
      amount_cents AS amountcents, status, voided_at AS voidedat, voided_by AS voidedby
    FROM redemptions ${where} ORDER BY number DESC LIMIT ${p.one(limit + 1)}`,
    params: p.values,
  };
  const rows: Row[] = found.map((r) => ({
    id: String(r.id), number: Number(r.number), createdAt: String(r.createdat), merchantId: String(r.merchantid), voucherId: String(r.voucherid), actor: String(r.actor),
    amountCents: Number(r.amountcents), status: r.status as Row['status'], voidedAt: (r.voidedat as string | null) ?? null, voidedBy: (r.voidedby as string | null) ?? null,
  }));
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { rows: yield* enrich(shown), next: more ? shown[shown.length - 1]!.number : null };
}

/** One page (50), newest first; `next` is the keyset for the following page, null at the end. */
export function redemptionEventsProgram(f: RedemptionEventFilter): ReadProgram<{ rows: RedemptionEvent[]; next: number | null }> {
  return page(f, REDEMPTION_EVENTS_PER_PAGE);
}

/** The shops for the filter's select (a few hundred at most), by name in byte order on both. */
export function* redemptionShopsProgram(dialect: Dialect): ReadProgram<{ id: string; name: string }[]> {
  const rows = yield { sql: `SELECT id, name FROM merchants ORDER BY name${dialect === 'postgres' ? ' COLLATE "C"' : ''}` };
  return rows.map((r) => ({ id: String(r.id), name: String(r.name) }));
}

export const REDEMPTION_CSV_COLUMNS = ['numero', 'date_paris', 'commerce', 'acteur', 'acteur_nom', 'bon', 'montant', 'solde_avant', 'solde_apres', 'statut', 'annule_le', 'annule_par'];

/** A read program's queries as steps of a stream program (each query stands alone). */
function* streamed<T>(program: ReadProgram<T>): Generator<{ read: { sql: string; params?: Record<string, SqlValue> } }, T, SqlRow[] | undefined> {
  let step = program.next();
  while (!step.done) step = program.next((yield { read: step.value }) ?? []);
  return step.value;
}

/**
 * The filtered redemptions as CSV lines (`;`, newest first), 1 000 at a time by keyset on
 * number: an export of every redemption never sits in memory. `before` is ignored.
 */
export function* redemptionCsvProgram(f: RedemptionEventFilter): StreamProgram<string> {
  yield { out: REDEMPTION_CSV_COLUMNS.join(';') };
  let before: number | undefined;
  for (;;) {
    const { rows, next } = yield* streamed(page({ ...f, before }, CSV_CHUNK));
    for (const r of rows) {
      const cents = (c: number | null) => (c === null ? '' : csvEuros(c));
      yield {
        out: [
          r.number, parisDateTime(new Date(r.createdAt)), r.merchantName, r.actor, r.actorName, r.maskedCode, csvEuros(r.amountCents),
          cents(r.balanceBeforeCents), cents(r.balanceAfterCents), r.status, r.voidedAt ? parisDateTime(new Date(r.voidedAt)) : '', r.voidedByName ?? r.voidedBy,
        ].map((c) => csvCell(c)).join(';'),
      };
    }
    if (next === null) return;
    before = next;
  }
}
