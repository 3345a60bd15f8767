import { expect } from 'vitest';

/**
 * The app's CSV downloads (statements, reports): UTF-8 with a BOM, CRLF line ends,
 * `;`-separated cells, every cell quoted, amounts in French notation ("-12,34").
 */

/** An amount cell ("1234,56", "-0,05") as integer cents; fails the test on any other shape. */
export const csvCents = (cell: string) => {
  expect(cell).toMatch(/^-?\d+,\d{2}$/);
  const n = Number(cell.replace(/^-/, '').replace(',', ''));
  return cell.startsWith('-') ? -n : n;
};

/** The rows of a fully quoted `;` CSV (BOM dropped, empty lines skipped, "" unescaped). */
export const csvRows = (text: string) => text.replace(/^\ufeff/, '').split('\r\n').filter(Boolean).map((l) => [...l.matchAll(/"((?:[^"]|"")*)"(?:;|$)/g)].map((x) => x[1]!.replace(/""/g, '"')));
