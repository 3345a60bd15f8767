/**
 * Bytes of an uploaded CSV → text → records, the way spreadsheets write them.
 *
 * Excel FR saves "CSV (séparateur: point-virgule)" in Windows-1252 with ";", LibreOffice and
 * Google Sheets save UTF-8 with "," (LibreOffice sometimes with a BOM), Excel's "Unicode
 * text" is UTF-16LE with tabs. Quoted fields may hold delimiters, doubled quotes and line
 * breaks (RFC 4180).
 */

export type Decoded = { ok: true; text: string } | { ok: false; reason: 'workbook' | 'binary' };

/**
 * Bytes 0x80–0x9F of Windows-1252 (WHATWG index). Node's own TextDecoder('windows-1252')
 * decodes them as Latin-1 control characters since 20.18.3/22.13.0 (nodejs/node#56542,
 * #60888): "€" would become U+0080 and Word's ’ U+0092, so the table is applied here.
 */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

export function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return latin1.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

const startsWith = (bytes: Uint8Array, prefix: number[]): boolean => prefix.every((b, i) => bytes[i] === b);
// .xlsx/.ods are ZIP archives, .xls an OLE2 compound file: a workbook uploaded as is.
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0];

/**
 * Valid UTF-8 is taken as UTF-8 (a Windows-1252 file with accents is almost never valid
 * UTF-8, while pure ASCII reads the same either way); anything else as Windows-1252. A BOM
 * is dropped by the decoders. Text is NFC-normalised so "é" typed on a Mac equals "é".
 */
export function decodeCsvBytes(bytes: Uint8Array): Decoded {
  if (startsWith(bytes, ZIP) || startsWith(bytes, OLE2)) return { ok: false, reason: 'workbook' };
  let text: string;
  if (startsWith(bytes, [0xff, 0xfe])) text = new TextDecoder('utf-16le').decode(bytes);
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      text = decodeWindows1252(bytes);
    }
  }
  // A NUL never occurs in text a spreadsheet writes: this is some other binary file.
  if (text.includes('\0')) return { ok: false, reason: 'binary' };
  return { ok: true, text: text.normalize('NFC') };
}

/** One spreadsheet row; `line` counts rows as the spreadsheet shows them (quoted line breaks stay in their row). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

export type CsvRead = { ok: true; delimiter: string; records: CsvRecord[] } | { ok: false; reason: 'unclosed_quote'; line: number };

const DELIMITERS = [';', '\t', ','] as const;

/**
 * The delimiter is the candidate found most often, outside quotes, in the first non-blank
 * line (the header). On a tie ";" wins: a French header may hold a comma ("Nom, prénom")
 * far more often than a semicolon.
 */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let inQuotes = false;
  let seenContent = false;
  for (const c of text) {
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (c === '\n' || c === '\r')) {
      if (seenContent) break;
    } else if (!inQuotes && counts.has(c)) counts.set(c, counts.get(c)! + 1);
    if (c.trim() !== '') seenContent = true;
  }
  return DELIMITERS.reduce((best, d) => (counts.get(d)! > counts.get(best)! ? d : best), DELIMITERS[0] as string);
}

/** Excel honours a first line "sep=;" and hides it; such files name their delimiter. */
const SEP_LINE = /^sep=(.)(\r\n|\n|\r)/i;

/** Splits text into rows of cells. Cells are returned untrimmed; the caller interprets them. */
export function readCsv(text: string): CsvRead {
  const sep = SEP_LINE.exec(text);
  if (sep) return tokenize(text.slice(sep[0].length), sep[1]!);
  return tokenize(text, detectDelimiter(text));
}

function tokenize(text: string, delimiter: string): CsvRead {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false; // this cell began with a quote (so a later quote is literal)
  let inQuotes = false;
  let line = 1;
  const endCell = () => {
    cells.push(cell);
    cell = '';
    quoted = false;
  };
  const endRecord = () => {
    endCell();
    records.push({ line, cells });
    cells = [];
    line++;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c !== '"') cell += c;
      else if (text[i + 1] === '"') cell += text[++i];
      else inQuotes = false;
    } else if (c === '"' && !quoted && cell.trim() === '') {
      // Opening quote; spaces before it (hand-written ", "x"") are dropped.
      cell = '';
      quoted = inQuotes = true;
    } else if (c === delimiter) endCell();
    else if (c === '\n') endRecord();
    else if (c === '\r') {
      if (text[i + 1] === '\n') i++;
      endRecord();
    } else cell += c; // includes a stray quote inside an unquoted cell, kept as typed
  }
  if (inQuotes) return { ok: false, reason: 'unclosed_quote', line };
  // A final line break does not start another row.
  if (cell !== '' || quoted || cells.length > 0) endRecord();
  return { ok: true, delimiter, records };
}
