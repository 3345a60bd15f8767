import { decimalAmount } from './money';

/**
 * CSV for spreadsheets (French Excel reads `;` and a UTF-8 BOM). A cell starting with
 * = + - @ (or a tab / CR) would run as a formula: it is prefixed with ' to stay text.
 * `always` quotes every cell; otherwise only cells that need it.
 */
export function csvCell(value: string | number | null | undefined, always = false): string {
  const s = String(value ?? '');
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return always || /[";\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** 1234 cents → "12,34": exact, with the French decimal comma spreadsheets expect here. */
export const csvEuros = (cents: number): string => decimalAmount(cents, ',');
