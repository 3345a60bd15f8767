import { formatStamp } from '../../lib/dates';
import { maskCode } from '../../lib/codes';
import { csvCell, csvEuros } from '../../lib/csv';
import type { ShopRedemptionLine, ShopRedemptionRow } from '../../domain/redemptions/shop-redemption-reads';
import { formatCode } from '../../lib/codes';
import { parisDate } from '../../lib/paris-time';

type Row = ShopRedemptionRow;


export function redemptionRows(rows: Row[], locale: string, now: Date, voidWindowMinutes: number) {
  return rows.map(({ r, code }) => ({
    id: r.id,
    number: r.number,
    when: formatStamp(r.createdAt, locale),
    code: maskCode(code),
    amountCents: r.amountCents,
    voided: r.status === 'voided',
    voidable: r.status === 'completed' && now.getTime() - new Date(r.createdAt).getTime() <= voidWindowMinutes * 60_000,
    actor: r.actor,
  }));
}

/** Totals per Paris day (completed only), newest first. */
export function dailyTotals(rows: Row[]) {
  const days = new Map<string, { day: string; count: number; totalCents: number }>();
  for (const { r } of rows) {
    if (r.status !== 'completed') continue;
    const day = parisDate(new Date(r.createdAt));
    const d = days.get(day) ?? { day, count: 0, totalCents: 0 };
    d.count++;
    d.totalCents += r.amountCents;
    days.set(day, d);
  }
  return [...days.values()].sort((a, b) => b.day.localeCompare(a.day));
}

const quoted = (v: string | number) => csvCell(v, true);

export const REDEMPTIONS_CSV_COLUMNS = ['number', 'created_at', 'paris_date', 'voucher_code_end', 'amount_cents', 'amount_eur', 'status', 'voided_at', 'actor'] as const;

/** One operation as a CSV line, without terminator. */
const csvLine = (r: ShopRedemptionLine) =>
  [r.number, r.createdAt, parisDate(new Date(r.createdAt)), formatCode(r.code).slice(-4), r.amountCents, csvEuros(r.amountCents), r.status, r.voidedAt ?? '', r.actor].map(quoted).join(';');

/**
 * The shop's operations export, line by line without terminators (the caller streams them
 * out): pulled synchronously from SQLite's rows, awaited page by page from PostgreSQL's.
 */
export function redemptionsCsvLines(rows: Iterable<ShopRedemptionLine> | AsyncIterable<ShopRedemptionLine>): Iterable<string> | AsyncIterable<string> {
  const header = REDEMPTIONS_CSV_COLUMNS.map(quoted).join(';');
  if (Symbol.asyncIterator in rows) {
    return (async function* () {
      yield header;
      for await (const r of rows) yield csvLine(r);
    })();
  }
  return (function* () {
    yield header;
    for (const r of rows) yield csvLine(r);
  })();
}
