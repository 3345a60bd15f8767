/**
 * An uploaded list of beneficiaries (bulk orders by companies and town halls) → either every
 * row, checked, or every problem found. Never a partial result: an order is built from the
 * whole file or not at all, so the user fixes the file once, with all errors in view.
 */
import { cents, type Cents } from '../../lib/money';
import { decodeCsvBytes, readCsv, type CsvRecord } from './csv-text';
import {
  checkEmail, checkMessage, checkName, cleanText, columnOf, MESSAGE_MAX, NAME_MAX, parseAmountCell, REQUIRED_COLUMNS, ROW_MESSAGES,
  type Column, type RowCode,
} from './beneficiary-fields';

export type { Column } from './beneficiary-fields';

export interface Beneficiary {
  /** The row in the user's spreadsheet, to point back at it later. */
  line: number;
  name: string;
  email: string | null;
  amountCents: Cents;
  message: string | null;
}

export interface Issue {
  code: string;
  messageKey: string;
  params?: Record<string, string | number>;
}

/** `line` is the row number the spreadsheet shows (header = 1); `column` our canonical name. */
export interface RowIssue extends Issue {
  line: number;
  column?: Column;
}

export type BeneficiariesReport =
  | { ok: true; rows: Beneficiary[]; totalCents: Cents; count: number }
  | { ok: false; fileErrors: Issue[]; rowErrors: RowIssue[]; moreRowErrors: number };

/** The campaign's rule, injected. `allowedCents` lists the denominations when free amounts are not sold. */
export interface BeneficiaryRules {
  minCents: number;
  maxCents: number;
  maxRows: number;
  allowedCents?: readonly number[] | null;
}

/** Enough to fix a file in one go without sending a huge page; the rest is only counted. */
export const MAX_REPORTED_ROW_ERRORS = 200;

const FILE_MESSAGES = {
  workbook: 'bulk.file.workbook',
  binary: 'bulk.file.binary',
  unclosed_quote: 'bulk.file.unclosed_quote',
  empty: 'bulk.file.empty',
  duplicate_column: 'bulk.file.duplicate_column',
  too_many_rows: 'bulk.file.too_many_rows',
} as const;

const fileIssue = (code: keyof typeof FILE_MESSAGES, params?: Issue['params']): Issue => ({
  code, messageKey: FILE_MESSAGES[code], ...(params ? { params } : {}),
});

const failed = (fileErrors: Issue[], rowErrors: RowIssue[] = []): BeneficiariesReport => ({
  ok: false,
  fileErrors,
  rowErrors: rowErrors.slice(0, MAX_REPORTED_ROW_ERRORS),
  moreRowErrors: Math.max(0, rowErrors.length - MAX_REPORTED_ROW_ERRORS),
});

const isBlank = (r: CsvRecord) => r.cells.every((c) => c.trim() === '');

export function parseBeneficiaries(bytes: Uint8Array, rules: BeneficiaryRules): BeneficiariesReport {
  const decoded = decodeCsvBytes(bytes);
  if (!decoded.ok) return failed([fileIssue(decoded.reason)]);
  const csv = readCsv(decoded.text);
  if (!csv.ok) return failed([fileIssue('unclosed_quote', { line: csv.line })]);

  const [header, ...rows] = csv.records.filter((r) => !isBlank(r));
  if (!header) return failed([fileIssue('empty')]);
  const columns = mapHeader(header);
  if (!columns.ok) return failed([columns.issue]);
  if (rows.length === 0) return failed([fileIssue('empty')]);

  const fileErrors = rows.length > rules.maxRows ? [fileIssue('too_many_rows', { max: rules.maxRows, count: rows.length })] : [];
  const { beneficiaries, rowErrors } = checkRows(rows, columns.index, header.cells.length, rules);
  if (fileErrors.length > 0 || rowErrors.length > 0) return failed(fileErrors, rowErrors);
  const total = beneficiaries.reduce((sum, b) => sum + b.amountCents, 0);
  return { ok: true, rows: beneficiaries, totalCents: cents(total), count: beneficiaries.length };
}

type ColumnIndex = Partial<Record<Column, number>>;

/** Which cell holds which column; unknown columns (a department, an employee number…) are ignored. */
function mapHeader(header: CsvRecord): { ok: true; index: ColumnIndex } | { ok: false; issue: Issue } {
  const index: ColumnIndex = {};
  for (const [i, cell] of header.cells.entries()) {
    const column = columnOf(cell);
    if (!column) continue;
    if (index[column] !== undefined) return { ok: false, issue: fileIssue('duplicate_column', { column: cell.trim() }) };
    index[column] = i;
  }
  const missing = REQUIRED_COLUMNS.filter((c) => index[c] === undefined);
  if (missing.length === 0) return { ok: true, index };
  const found = header.cells.map((c) => c.trim()).filter(Boolean).join(', ');
  // One message per combination reads better in both languages than a translated list.
  const messageKey = missing.length === 2 ? 'bulk.file.missing_name_amount' : missing[0] === 'name' ? 'bulk.file.missing_name' : 'bulk.file.missing_amount';
  return { ok: false, issue: { code: 'missing_columns', messageKey, params: { columns: missing.join(','), found } } };
}

function rowIssue(line: number, code: RowCode, column?: Column, params?: Issue['params']): RowIssue {
  return { line, code, messageKey: ROW_MESSAGES[code], ...(column ? { column } : {}), ...(params ? { params } : {}) };
}

function checkRows(rows: CsvRecord[], index: ColumnIndex, width: number, rules: BeneficiaryRules) {
  const beneficiaries: Beneficiary[] = [];
  const rowErrors: RowIssue[] = [];
  const duplicates = duplicateFinder();
  for (const row of rows) {
    const cell = (c: Column) => (index[c] === undefined ? undefined : row.cells[index[c]!]);
    const issues: RowIssue[] = [];
    const add = (code: RowCode, column?: Column, params?: Issue['params']) => issues.push(rowIssue(row.line, code, column, params));

    // A non-empty cell right of the header usually means an unquoted delimiter inside a name.
    if (row.cells.slice(width).some((c) => c.trim() !== '')) add('extra_cells');
    const name = checkName(cleanText(`${cleanText(cell('firstName'))} ${cleanText(cell('name'))}`));
    if (!name.ok) add(name.code, 'name', name.code === 'name_too_long' ? { max: NAME_MAX } : undefined);
    const email = checkEmail(cell('email'));
    if (!email.ok) add(email.code, 'email');
    const amount = checkAmount(cell('amount'), rules);
    if (!amount.ok) add(amount.code, 'amount', amount.params);
    const message = checkMessage(cell('message'));
    if (!message.ok) add(message.code, 'message', message.code === 'message_too_long' ? { max: MESSAGE_MAX } : undefined);
    if (name.ok && email.ok) {
      const dup = duplicates.check(row.line, name.value, email.value);
      if (dup) add(dup.code, dup.code === 'duplicate_email' ? 'email' : undefined, { firstLine: dup.firstLine });
    }

    if (issues.length > 0) rowErrors.push(...issues);
    else if (name.ok && email.ok && amount.ok && message.ok) {
      beneficiaries.push({ line: row.line, name: name.value, email: email.value, amountCents: amount.value, message: message.value });
    }
  }
  return { beneficiaries, rowErrors };
}

type AmountCheck = { ok: true; value: Cents } | { ok: false; code: RowCode; params?: Issue['params'] };

/** The cell's own format first, then the campaign's rule. `…Cents` params are formatted as money by translate. */
function checkAmount(raw: string | undefined, rules: BeneficiaryRules): AmountCheck {
  const parsed = parseAmountCell(raw);
  if (!parsed.ok) return parsed;
  const amountCents = parsed.value;
  if (rules.allowedCents) {
    return rules.allowedCents.includes(amountCents) ? parsed : { ok: false, code: 'amount_not_allowed', params: { amountCents } };
  }
  if (amountCents < rules.minCents) return { ok: false, code: 'amount_below_min', params: { amountCents, minCents: rules.minCents } };
  if (amountCents > rules.maxCents) return { ok: false, code: 'amount_above_max', params: { amountCents, maxCents: rules.maxCents } };
  return parsed;
}

/**
 * The same person twice (name + email, ignoring case) is most likely a copy-paste slip, and
 * so is one email under two names: either would send two vouchers where one was meant.
 * The later row is reported, pointing at the first.
 */
function duplicateFinder() {
  const byPerson = new Map<string, number>();
  const byEmail = new Map<string, { line: number; nameKey: string }>();
  return {
    check(line: number, name: string, email: string | null): { code: 'duplicate_row' | 'duplicate_email'; firstLine: number } | null {
      const nameKey = name.toLocaleLowerCase('fr');
      const personKey = `${nameKey}\u0000${email ?? ''}`;
      const first = byPerson.get(personKey);
      if (first !== undefined) return { code: 'duplicate_row', firstLine: first };
      byPerson.set(personKey, line);
      if (email === null) return null;
      const sameEmail = byEmail.get(email);
      if (sameEmail && sameEmail.nameKey !== nameKey) return { code: 'duplicate_email', firstLine: sameEmail.line };
      if (!sameEmail) byEmail.set(email, { line, nameKey });
      return null;
    },
  };
}
