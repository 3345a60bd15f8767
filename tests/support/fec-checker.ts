/**
 * An independent checker of FEC files (fichier des écritures comptables), written from the
 * official text and not from our exporter: it imports nothing from server/. Sources:
 *
 * - [A47] Livre des procédures fiscales, article A47 A-1 (arrêté du 29 juillet 2013), read at
 *   https://juriblio.fr/codes/livre-des-procedures-fiscales/partie-reglementaire-arretes/troisieme-partie/titre-ii/chapitre-premier/section-iii/article-a47-a-1
 *   — flat files, records separated by CR and/or LF, one unambiguous zone separator; the
 *   characters in ASCII, ISO 8859-15 or EBCDIC; numbers in base 10 with the sign first, the
 *   comma before the decimals and no thousands separator; dates AAAAMMJJ; the 18 zones of
 *   VII (their names and meanings); the file name of IX.
 * - [BOI] BOI-CF-IOR-60-40-20 (BOFiP, « Format du fichier des écritures comptables »),
 *   https://bofip.impots.gouv.fr/doctrine/pgp/9028-PGP — § 10: the first record names the
 *   zones as the article defines them, the file is named per IX of the article, coded per
 *   its XII, and comes with its description.
 *
 * Each rule below says where it comes from; `rule` codes are stable for the tests.
 */
export interface FecViolation {
  rule: string;
  /** 1-based line of the file, null for the whole file. */
  line: number | null;
  message: string;
}

export interface FecCheckOptions {
  /** The delivered file's name: checked against IX of [A47]. */
  fileName?: string;
  /** The period the file claims to cover, YYYYMMDD inclusive: every EcritureDate within it. */
  period?: { from?: string; to?: string };
  /** A whole financial year: each journal's numbering must start at 1. */
  fullYear?: boolean;
}

export interface FecRecord {
  line: number;
  fields: Record<string, string>;
}

export interface FecCheckResult {
  violations: FecViolation[];
  encoding: 'ascii' | 'iso-8859-15' | 'ebcdic' | 'not-allowed';
  separator: '\t' | '|' | null;
  records: FecRecord[];
}

/** [A47] VII 1°: the 18 zones, in this order, named on the first line ([BOI] § 10). */
export const FEC_FIELDS = [
  'JournalCode', 'JournalLib', 'EcritureNum', 'EcritureDate', 'CompteNum', 'CompteLib', 'CompAuxNum', 'CompAuxLib', 'PieceRef',
  'PieceDate', 'EcritureLib', 'Debit', 'Credit', 'EcritureLet', 'DateLet', 'ValidDate', 'Montantdevise', 'Idevise',
] as const;
/** [A47] VII: Debit and Credit may be given as an amount and a direction (Montant, Sens). */
const FEC_FIELDS_MONTANT_SENS = FEC_FIELDS.map((f) => (f === 'Debit' ? 'Montant' : f === 'Credit' ? 'Sens' : f));

/** Zones that may be left blank ([A47] VII: « à blanc si non utilisé »): auxiliary account, lettering, currency. */
const OPTIONAL = new Set(['CompAuxNum', 'CompAuxLib', 'EcritureLet', 'DateLet', 'Montantdevise', 'Idevise']);

/** [A47] codage 3°: dates AAAAMMJJ, no separator; a real calendar day. */
function isDate(s: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
}

/**
 * [A47] codage 2°: numbers in characters, base 10, the sign as first character, the comma
 * between the integer and the decimal part, no thousands separator. Returns cents, or null.
 */
function amountCents(s: string): bigint | null {
  const m = /^([+-]?)(\d+)(?:,(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  const cents = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0') || '0');
  return m[1] === '-' ? -cents : cents;
}

/** SIREN: 9 digits whose Luhn sum is a multiple of 10 (INSEE). */
function sirenValid(s: string): boolean {
  if (!/^\d{9}$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let d = Number(s[8 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * EBCDIC, for the characters every EBCDIC code page shares (letters, digits, space and the
 * punctuation of a FEC); other bytes decode to U+FFFD and are reported.
 */
function decodeEbcdic(bytes: Uint8Array): string {
  const map = new Map<number, string>([[0x05, '\t'], [0x0d, '\r'], [0x25, '\n'], [0x15, '\n'], [0x40, ' '], [0x4b, '.'], [0x4d, '('], [0x4e, '+'], [0x4f, '|'], [0x50, '&'], [0x5c, '*'], [0x5d, ')'], [0x5e, ';'], [0x60, '-'], [0x61, '/'], [0x6b, ','], [0x6c, '%'], [0x6d, '_'], [0x6f, '?'], [0x7a, ':'], [0x7d, "'"], [0x7e, '='], [0x7f, '"']]);
  const ranges: [number, string][] = [[0x81, 'abcdefghi'], [0x91, 'jklmnopqr'], [0xa2, 'stuvwxyz'], [0xc1, 'ABCDEFGHI'], [0xd1, 'JKLMNOPQR'], [0xe2, 'STUVWXYZ'], [0xf0, '0123456789']];
  for (const [start, chars] of ranges) for (let i = 0; i < chars.length; i++) map.set(start + i, chars[i]!);
  return Array.from(bytes, (b) => map.get(b) ?? '\ufffd').join('');
}

/** ISO 8859-15: Latin-1 with eight code points changed (ISO/IEC 8859-15:1999, Annex A). */
const LATIN9: Record<number, string> = { 0xa4: '€', 0xa6: 'Š', 0xa8: 'š', 0xb4: 'Ž', 0xb8: 'ž', 0xbc: 'Œ', 0xbd: 'œ', 0xbe: 'Ÿ' };

/** Decodes the bytes in one of the character sets [A47] allows, reporting what is outside them. */
function decode(bytes: Uint8Array, v: FecViolation[]): { text: string; encoding: FecCheckResult['encoding'] } {
  // The first line starts with « JournalCode »: 'J' is 0x4A in ASCII, 0xD1 in EBCDIC.
  if (bytes[0] === 0xd1) return { text: decodeEbcdic(bytes), encoding: 'ebcdic' };
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) v.push({ rule: 'ENCODING', line: 1, message: 'UTF-8 byte order mark: [A47] allows ASCII, ISO 8859-15 or EBCDIC only' });
  let line = 1;
  let utf8 = 0;
  let c1 = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0a) line++;
    // A UTF-8 multibyte sequence: a lead byte C2–F4 followed by its continuation bytes 80–BF.
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (need && i + need < bytes.length && bytes.subarray(i + 1, i + 1 + need).every((x) => x >= 0x80 && x <= 0xbf)) {
      if (utf8++ === 0) v.push({ rule: 'ENCODING', line, message: `UTF-8 multibyte sequence (byte ${i}): [A47] allows ASCII, ISO 8859-15 or EBCDIC only` });
      i += need;
      continue;
    }
    // 80–9F are C1 control codes, not characters of ISO 8859-15.
    if (b >= 0x80 && b <= 0x9f && c1++ === 0) v.push({ rule: 'ENCODING', line, message: `byte 0x${b.toString(16)} is a control code, not an ISO 8859-15 character` });
  }
  const text = Array.from(bytes, (b) => LATIN9[b] ?? String.fromCharCode(b)).join('');
  return { text, encoding: utf8 ? 'not-allowed' : bytes.some((b) => b >= 0x80) ? 'iso-8859-15' : 'ascii' };
}

/** Checks a FEC file given as its bytes. An empty `violations` means the file complies. */
export function checkFec(bytes: Uint8Array, opts: FecCheckOptions = {}): FecCheckResult {
  const v: FecViolation[] = [];
  const add = (rule: string, line: number | null, message: string) => v.push({ rule, line, message });

  // [A47] IX: the file is named SirenFECAAAAMMJJ, AAAAMMJJ the closing date of the year.
  let closing: string | null = null;
  if (opts.fileName !== undefined) {
    const m = /^(\d{9})FEC(\d{8})\.txt$/.exec(opts.fileName);
    if (!m) add('FILE_NAME', null, `${opts.fileName} is not <SIREN>FEC<AAAAMMJJ>.txt`);
    else if (!sirenValid(m[1]!)) add('FILE_NAME', null, `${m[1]} is not a valid SIREN`);
    else if (!isDate(m[2]!)) add('FILE_NAME', null, `${m[2]} is not a date AAAAMMJJ`);
    else closing = m[2]!;
  }

  const { text, encoding } = decode(bytes, v);
  // [A47] I 1°: records separated by carriage return and/or line feed.
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) {
    add('HEADER', null, 'empty file');
    return { violations: v, encoding, separator: null, records: [] };
  }
  // [A47] I 4° and [BOI]: one unique, unambiguous zone separator — tabulation or « | ».
  const header = lines[0]!;
  const separator = header.includes('\t') && !header.includes('|') ? '\t' : header.includes('|') && !header.includes('\t') ? '|' : null;
  if (!separator) {
    add('SEPARATOR', 1, 'the header must be separated by tabs or by « | », one of them only');
    return { violations: v, encoding, separator, records: [] };
  }
  const names = header.split(separator);
  const montantSens = names.join() === FEC_FIELDS_MONTANT_SENS.join();
  if (!montantSens && names.join() !== FEC_FIELDS.join()) add('HEADER', 1, `first line must name the 18 zones in order (${FEC_FIELDS.join(', ')}); found ${names.join(', ')}`);
  const fields = montantSens ? FEC_FIELDS_MONTANT_SENS : FEC_FIELDS;

  const records: FecRecord[] = [];
  type Entry = { journal: string; num: string; line: number; debit: bigint; credit: bigint; date: string };
  const entries: Entry[] = [];
  let current: Entry | null = null;
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    const cells = lines[i]!.split(separator);
    if (cells.length !== 18) {
      add('FIELD_COUNT', n, `${cells.length} zones instead of 18`);
      continue;
    }
    const f = Object.fromEntries(fields.map((name, k) => [name, cells[k]!])) as Record<string, string>;
    records.push({ line: n, fields: f });
    for (const [name, value] of Object.entries(f)) {
      if (!OPTIONAL.has(name) && value.trim() === '') add('REQUIRED', n, `${name} is empty`);
      if (/[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/.test(value)) add('ENCODING', n, `${name} holds a control or undecodable character`);
    }
    // [A47] VII 1° 5°: the first three characters of CompteNum are digits of the French chart (classes 1 to 8).
    if (!/^[1-8]\d\d/.test(f.CompteNum!)) add('COMPTE_NUM', n, `CompteNum ${f.CompteNum} does not start with three digits of the PCG`);
    if (f.CompAuxNum && !f.CompAuxLib) add('REQUIRED', n, 'CompAuxLib is empty while CompAuxNum is given');
    for (const d of ['EcritureDate', 'PieceDate', 'ValidDate'] as const) if (f[d] && !isDate(f[d]!)) add('DATE', n, `${d} ${f[d]} is not a date AAAAMMJJ`);
    if (f.DateLet && !isDate(f.DateLet)) add('DATE', n, `DateLet ${f.DateLet} is not a date AAAAMMJJ`);
    if (f.Montantdevise && amountCents(f.Montantdevise) === null) add('AMOUNT', n, `Montantdevise ${f.Montantdevise} is not an amount`);

    let debit = 0n;
    let credit = 0n;
    if (montantSens) {
      const amount = amountCents(f.Montant!);
      if (amount === null) add('AMOUNT', n, `Montant ${f.Montant} is not an amount with a decimal comma`);
      // Sens: D (debit) or C (credit); +1 / -1 as some accounting software writes it.
      const debitSide = f.Sens === 'D' || f.Sens === '+1' ? true : f.Sens === 'C' || f.Sens === '-1' ? false : null;
      if (debitSide === null) add('AMOUNT', n, `Sens ${f.Sens} is none of D, C, +1, -1`);
      if (amount !== null && debitSide !== null) [debit, credit] = debitSide ? [amount, 0n] : [0n, amount];
    } else {
      const [d, c] = [amountCents(f.Debit!), amountCents(f.Credit!)];
      if (d === null) add('AMOUNT', n, `Debit ${f.Debit} is not an amount with a decimal comma and no thousands separator`);
      if (c === null) add('AMOUNT', n, `Credit ${f.Credit} is not an amount with a decimal comma and no thousands separator`);
      [debit, credit] = [d ?? 0n, c ?? 0n];
    }

    // An entry is the run of consecutive lines with one JournalCode and EcritureNum.
    if (!current || current.journal !== f.JournalCode || current.num !== f.EcritureNum) {
      const key = `${f.JournalCode}\u0000${f.EcritureNum}`;
      if (seen.has(key)) add('ENTRY_SPLIT', n, `entry ${f.JournalCode} ${f.EcritureNum} appears again after other entries`);
      seen.add(key);
      current = { journal: f.JournalCode!, num: f.EcritureNum!, line: n, debit: 0n, credit: 0n, date: f.EcritureDate! };
      entries.push(current);
    } else if (f.EcritureDate !== current.date) add('ENTRY_DATE', n, `entry ${f.JournalCode} ${f.EcritureNum} has lines at two dates`);
    current.debit += debit;
    current.credit += credit;
  }

  const fmt = (c: bigint) => `${c / 100n},${String(c % 100n).padStart(2, '0')}`;
  const last = new Map<string, bigint>();
  const from = opts.period?.from;
  const to = opts.period?.to ?? closing ?? undefined;
  for (const e of entries) {
    // Double entry: every entry balances.
    if (e.debit !== e.credit) add('UNBALANCED', e.line, `entry ${e.journal} ${e.num}: debit ${fmt(e.debit)} ≠ credit ${fmt(e.credit)}`);
    // [A47] VII 1° 3°: « le numéro sur une séquence continue de l'écriture comptable »,
    // continuous within each journal: no gap, no going back.
    if (!/^\d+$/.test(e.num)) add('ECRITURE_NUM', e.line, `EcritureNum ${e.num} is not a number: its continuity cannot be verified`);
    else {
      const num = BigInt(e.num);
      const prev = last.get(e.journal);
      if (prev === undefined ? opts.fullYear && num !== 1n : num !== prev + 1n) {
        add('ECRITURE_NUM', e.line, `journal ${e.journal}: entry ${e.num} follows ${prev ?? '(start of the year)'}; numbers must be continuous`);
      }
      last.set(e.journal, num);
    }
    // The file covers one period (the financial year): entries dated within it.
    if (isDate(e.date) && ((from && e.date < from) || (to && e.date > to))) add('PERIOD', e.line, `entry ${e.journal} ${e.num} dated ${e.date}, outside ${from ?? '…'}–${to ?? '…'}`);
  }
  return { violations: v, encoding, separator, records };
}
