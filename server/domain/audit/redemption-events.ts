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
import { sql, type SQL } from 'drizzle-orm';
import type { Database_ } from '../../../db/client';
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

const list = (values: string[]) => sql.join(values.map((v) => sql`${v}`), sql`, `);
const unique = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => !!v))];

/** The WHERE clauses of a filter, or null when it can match nothing (unknown code). */
function conditions(database: Database_, f: RedemptionEventFilter): SQL[] | null {
  const parts: SQL[] = [];
  if (f.merchantId) parts.push(sql`merchant_id = ${f.merchantId}`);
  if (f.from) parts.push(sql`created_at >= ${startOfParisDay(f.from).toISOString()}`);
  if (f.to) parts.push(sql`created_at <= ${endOfParisDay(f.to).toISOString()}`);
  if (f.code) {
    const ids = database.db
      .all<{ id: string }>(sql`SELECT m.redemption_id AS id FROM vouchers v JOIN movements m ON m.voucher_id = v.id WHERE v.code = ${f.code} AND m.kind = 'redeem'`)
      .map((r) => r.id);
    if (ids.length === 0) return null;
    parts.push(sql`id IN (${list(ids)})`);
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

/** 'user:<id>' → the shop user's name, 'key:<id>' → the key's label (one query each per page). */
function actorNames(database: Database_, actors: string[]): Map<string, string> {
  const ids = (prefix: string) => unique(actors.filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length)));
  const names = new Map<string, string>();
  const users = ids('user:');
  if (users.length) for (const u of database.db.all<{ id: string; name: string }>(sql`SELECT id, name FROM merchant_users WHERE id IN (${list(users)})`)) names.set(`user:${u.id}`, u.name);
  const keys = ids('key:');
  if (keys.length) for (const k of database.db.all<{ id: string; name: string }>(sql`SELECT id, label AS name FROM api_keys WHERE id IN (${list(keys)})`)) names.set(`key:${k.id}`, k.name);
  return names;
}

/** Fills in shop names, masked codes, balances and actor names for a page of rows. */
function enrich(database: Database_, rows: Row[]): RedemptionEvent[] {
  if (rows.length === 0) return [];
  const voucherIds = unique(rows.map((r) => r.voucherId));
  const codes = new Map(database.db.all<{ id: string; code: string }>(sql`SELECT id, code FROM vouchers WHERE id IN (${list(voucherIds)})`).map((v) => [v.id, v.code]));
  const shops = new Map(database.db.all<{ id: string; name: string }>(sql`SELECT id, name FROM merchants WHERE id IN (${list(unique(rows.map((r) => r.merchantId)))})`).map((m) => [m.id, m.name]));
  const after = new Map(
    database.db
      .all<{ id: string; b: number }>(sql`SELECT redemption_id AS id, balance_after_cents AS b FROM movements
        WHERE voucher_id IN (${list(voucherIds)}) AND redemption_id IN (${list(rows.map((r) => r.id))}) AND kind = 'redeem'`)
      .map((m) => [m.id, m.b]),
  );
  const names = actorNames(database, unique(rows.flatMap((r) => [r.actor, r.voidedBy])));
  return rows.map((r) => {
    const balanceAfterCents = after.get(r.id) ?? null;
    return {
      id: r.id, number: r.number, createdAt: r.createdAt, merchantId: r.merchantId, merchantName: shops.get(r.merchantId) ?? r.merchantId,
      actor: r.actor, actorName: names.get(r.actor) ?? null, maskedCode: maskCode(codes.get(r.voucherId) ?? '????'), amountCents: r.amountCents,
      balanceBeforeCents: balanceAfterCents === null ? null : balanceAfterCents + r.amountCents, balanceAfterCents,
      status: r.status, voidedAt: r.voidedAt, voidedBy: r.voidedBy, voidedByName: r.voidedBy ? names.get(r.voidedBy) ?? null : null,
    };
  });
}

function page(database: Database_, f: RedemptionEventFilter, limit: number): { rows: RedemptionEvent[]; next: number | null } {
  const parts = conditions(database, f);
  if (!parts) return { rows: [], next: null };
  if (f.before !== undefined) parts.push(sql`number < ${f.before}`);
  const where = parts.length ? sql`WHERE ${sql.join(parts, sql` AND `)}` : sql``;
  // redemptions alone (no join): the planner then walks the number index backwards and stops at the limit.
  const rows = database.db.all<Row>(sql`SELECT id, number, created_at AS createdAt, merchant_id AS merchantId, voucher_id AS voucherId, actor,
      amount_cents AS amountCents, status, voided_at AS voidedAt, voided_by AS voidedBy
    FROM redemptions ${where} ORDER BY number DESC LIMIT ${limit + 1}`);
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { rows: enrich(database, shown), next: more ? shown[shown.length - 1]!.number : null };
}

/** One page (50), newest first; `next` is the keyset for the following page, null at the end. */
export function redemptionEvents(database: Database_, f: RedemptionEventFilter): { rows: RedemptionEvent[]; next: number | null } {
  return page(database, f, REDEMPTION_EVENTS_PER_PAGE);
}

/** The shops for the filter's select (a few hundred at most). */
export function redemptionShops(database: Database_): { id: string; name: string }[] {
  return database.db.all<{ id: string; name: string }>(sql`SELECT id, name FROM merchants ORDER BY name`);
}

export const REDEMPTION_CSV_COLUMNS = ['numero', 'date_paris', 'commerce', 'acteur', 'acteur_nom', 'bon', 'montant', 'solde_avant', 'solde_apres', 'statut', 'annule_le', 'annule_par'];

/**
 * The filtered redemptions as CSV lines (`;`, newest first), 1 000 at a time by keyset on
 * number: an export of every redemption never sits in memory. `before` is ignored.
 */
export function* redemptionCsvLines(database: Database_, f: RedemptionEventFilter): Generator<string> {
  yield REDEMPTION_CSV_COLUMNS.join(';');
  let before: number | undefined;
  for (;;) {
    const { rows, next } = page(database, { ...f, before }, CSV_CHUNK);
    for (const r of rows) {
      const cents = (c: number | null) => (c === null ? '' : csvEuros(c));
      yield [
        r.number, parisDateTime(new Date(r.createdAt)), r.merchantName, r.actor, r.actorName, r.maskedCode, csvEuros(r.amountCents),
        cents(r.balanceBeforeCents), cents(r.balanceAfterCents), r.status, r.voidedAt ? parisDateTime(new Date(r.voidedAt)) : '', r.voidedByName ?? r.voidedBy,
      ].map((c) => csvCell(c)).join(';');
    }
    if (next === null) return;
    before = next;
  }
}
