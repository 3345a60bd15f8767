/**
 * The books as accounting entries, oldest first, read in pages so an export of millions of
 * lines streams in flat memory and never holds the connection between pages (the till
 * keeps working during an export). Feeds the FEC and the journal CSV (server/reports/fec.ts).
 */
import type { Database_ } from '../../db/client';
import { endOfParisDay, startOfParisDay } from '../lib/paris-time';
import type { FecEntry } from './fec';

/** Our journal kinds → FEC journals (code, label). */
const JOURNALS: Record<string, [string, string]> = {
  voucher_sale: ['VT', 'Ventes de bons'],
  service_fee: ['VT', 'Ventes de bons'],
  bank_transfer_received: ['BQ', 'Banque'],
  payment_suspense: ['BQ', 'Banque'],
  settlement_payout: ['BQ', 'Banque'],
  settlement_payout_reversal: ['BQ', 'Banque'],
  redemption: ['EN', 'Encaissements en commerce'],
  redemption_void: ['EN', 'Encaissements en commerce'],
  settlement: ['RG', 'Règlements aux commerçants'],
  voucher_expiry: ['OD', 'Opérations diverses'],
};
export const journalOf = (kind: string): [string, string] => JOURNALS[kind] ?? ['OD', 'Opérations diverses'];

type Row = { id: string; kind: string; description: string; createdAt: string; reference: string | null };

/** `from`/`to` are Paris calendar dates (inclusive); either may be omitted. */
export function* journalEntries(database: Database_, period: { from?: string; to?: string } = {}): Generator<FecEntry> {
  const start = period.from ? startOfParisDay(period.from).toISOString() : '';
  const end = period.to ? endOfParisDay(period.to).toISOString() : '9999';
  const page = database.sqlite.prepare<[string, string, string, string], Row>(`
    SELECT j.id, j.kind, j.description, j.created_at AS createdAt, o.reference
    FROM journals j LEFT JOIN orders o ON o.id = j.order_id
    WHERE j.created_at >= ? AND j.created_at <= ? AND (j.created_at, j.id) > (?, ?)
    ORDER BY j.created_at, j.id LIMIT 1000`);
  const lines = database.sqlite.prepare<[string], { journalId: string; account: string; amountCents: number }>(`
    SELECT journal_id AS journalId, account, amount_cents AS amountCents FROM journal_lines
    WHERE journal_id IN (SELECT value FROM json_each(?)) ORDER BY id`);
  let after: [string, string] = ['', ''];
  let n = 0;
  for (;;) {
    const rows = page.all(start, end, after[0], after[1]);
    if (rows.length === 0) return;
    const byJournal = new Map<string, { account: string; amountCents: number }[]>();
    for (const l of lines.all(JSON.stringify(rows.map((r) => r.id)))) (byJournal.get(l.journalId) ?? byJournal.set(l.journalId, []).get(l.journalId)!).push(l);
    for (const r of rows) {
      const [journalCode, journalLib] = journalOf(r.kind);
      const at = new Date(r.createdAt);
      yield { journalCode, journalLib, entryNumber: String(++n), date: at, pieceRef: r.reference ?? r.id.slice(0, 18), pieceDate: at, label: r.description, validDate: at, lines: byJournal.get(r.id) ?? [] };
    }
    const last = rows[rows.length - 1]!;
    after = [last.createdAt, last.id];
  }
}
