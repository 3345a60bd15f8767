/**
 * What a check-ledger run looks at. A full run: everything. An incremental run: what was
 * written after the marks of the last clean run —
 * - the journals numbered above each journal's mark (entry numbers are given in commit
 *   order per journal code, from a counter row locked until commit, so "≤ mark" is exactly
 *   what that run saw), through the unique (journal_code, entry_number) index;
 * - the redemptions numbered above the redemption mark (same reasoning, unique number);
 * - the vouchers those journals moved (movements by journal, index), the redemptions they
 *   touched, the orders they belong to.
 * Every money write posts a journal in its transaction, so every voucher, redemption,
 * order or statement whose money changed is in scope. The checks restricted to the scope
 * are those that read history row by row; the identities over whole accounts and the
 * small tables are always verified whole.
 */
export interface Marks {
  /** Last entry number per journal code seen by the run. */
  journals: Record<string, number>;
  /** Last redemption number seen. */
  redemption: number;
}

export interface Scope {
  /** The marks an incremental run starts from (null: full run). */
  since: Marks | null;
  /** null: everything. Otherwise subqueries (SQL text) listing ids in scope. */
  journals: string | null;
  vouchers: string | null;
  redemptions: string | null;
  orders: string | null;
}

export const FULL: Scope = { since: null, journals: null, vouchers: null, redemptions: null, orders: null };

const CODE = /^[A-Z]{2,8}$/;

/**
 * The scope of what was posted after `since`. `codes` are the journal codes existing now
 * (a code absent from the marks is new: all its entries are in scope). Every part is a
 * range of an index; codes and numbers are validated, then inlined.
 */
export function scopeSince(since: Marks, codes: string[]): Scope {
  for (const code of codes) if (!CODE.test(code)) throw new Error(`bad journal code ${code}`);
  const after = (code: string) => since.journals[code] ?? 0;
  for (const code of codes) if (!Number.isSafeInteger(after(code)) || after(code) < 0) throw new Error(`bad ledger mark ${code}`);
  if (!Number.isSafeInteger(since.redemption) || since.redemption < 0) throw new Error(`bad redemption mark ${since.redemption}`);
  const journals = codes.length
    ? codes.map((code) => `SELECT id FROM journals WHERE journal_code = '${code}' AND entry_number > ${after(code)}`).join(' UNION ALL ')
    : `SELECT id FROM journals WHERE 1 = 0`;
  return {
    since,
    journals,
    vouchers: `SELECT voucher_id FROM movements WHERE journal_id IN (${journals})`,
    redemptions: `SELECT redemption_id FROM movements WHERE journal_id IN (${journals}) AND redemption_id IS NOT NULL
                  UNION ALL SELECT id FROM redemptions WHERE number > ${since.redemption}`,
    orders: `SELECT order_id FROM journals WHERE id IN (${journals}) AND order_id IS NOT NULL`,
  };
}

/** ` AND <column> IN (<subquery>)`, or nothing for a full run. */
export const within = (column: string, subquery: string | null): string => (subquery === null ? '' : ` AND ${column} IN (${subquery})`);
