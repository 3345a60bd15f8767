import { describe, expect, it } from 'vitest';
import { checkFec, FEC_FIELDS } from '../support/fec-checker';

/**
 * Self-tests of the FEC checker (tests/support/fec-checker.ts): it accepts a hand-written
 * file that follows LPF art. A47 A-1, and each crafted defect makes it fail with the rule
 * that defect breaks. Files are built here by hand, never by our exporter.
 */

type Line = Partial<Record<(typeof FEC_FIELDS)[number], string>>;
const base: Record<(typeof FEC_FIELDS)[number], string> = {
  JournalCode: 'VT', JournalLib: 'Ventes de bons', EcritureNum: '1', EcritureDate: '20260314', CompteNum: '5117', CompteLib: 'Encaissements',
  CompAuxNum: '', CompAuxLib: '', PieceRef: 'CMD-1', PieceDate: '20260314', EcritureLib: 'Vente de bons', Debit: '0,00', Credit: '0,00',
  EcritureLet: '', DateLet: '', ValidDate: '20260314', Montantdevise: '', Idevise: '',
};
const entry = (num: string, amount: string, over: Line = {}): Line[] => [
  { EcritureNum: num, Debit: amount, ...over },
  { EcritureNum: num, CompteNum: '4671', CompteLib: "Bons d'achat en circulation", Credit: amount, ...over },
];
const VALID: Line[] = [
  ...entry('1', '50,00'),
  ...entry('1', '12,00', { JournalCode: 'EN', JournalLib: 'Encaissements en commerce', EcritureLib: 'Encaissement du bon 2345 à 12,00 €' }),
  ...entry('2', '1234567,89', { EcritureDate: '20260315', ValidDate: '20260315' }),
  ...entry('2', '3,50', { JournalCode: 'EN', JournalLib: 'Encaissements en commerce', EcritureLib: 'Œuvre : Šž Ÿ', EcritureDate: '20260316', ValidDate: '20260316' }),
];

/** The file as text, one record per line, `sep` between zones. */
const text = (lines: Line[], sep = '\t', header: readonly string[] = FEC_FIELDS): string =>
  [header.join(sep), ...lines.map((l) => FEC_FIELDS.map((f) => l[f] ?? base[f]).join(sep))].join('\r\n') + '\r\n';
/** ISO 8859-15 bytes, written by hand: Latin-1 plus the eight code points Latin-9 changed. */
const latin9 = (s: string): Buffer => {
  const extra: Record<string, number> = { '€': 0xa4, Š: 0xa6, š: 0xa8, Ž: 0xb4, ž: 0xb8, Œ: 0xbc, œ: 0xbd, Ÿ: 0xbe };
  return Buffer.from(Array.from(s, (c) => extra[c] ?? c.charCodeAt(0)));
};
const rules = (bytes: Uint8Array, opts?: Parameters<typeof checkFec>[1]) => [...new Set(checkFec(bytes, opts).violations.map((v) => v.rule))];
const FILE = '732829320FEC20261231.txt';

describe('FEC checker', () => {
  it('accepts a compliant file: ISO 8859-15, tabs, CRLF, continuous numbers per journal, named <SIREN>FEC<AAAAMMJJ>.txt', () => {
    const r = checkFec(latin9(text(VALID)), { fileName: FILE, period: { from: '20260101', to: '20261231' }, fullYear: true });
    expect(r.violations).toEqual([]);
    expect(r.encoding).toBe('iso-8859-15');
    expect(r.records).toHaveLength(8);
    expect(r.records[3]!.fields.EcritureLib).toBe('Encaissement du bon 2345 à 12,00 €');
    expect(r.records[7]!.fields.EcritureLib).toBe('Œuvre : Šž Ÿ');
  });

  it('accepts the pipe separator, LF records, and Montant/Sens instead of Debit/Credit', () => {
    expect(rules(latin9(text(VALID, '|').replace(/\r\n/g, '\n')))).toEqual([]);
    const header = FEC_FIELDS.map((f) => (f === 'Debit' ? 'Montant' : f === 'Credit' ? 'Sens' : f));
    const ms = entry('1', '50,00').map((l, i) => ({ ...l, Debit: '50,00', Credit: i === 0 ? 'D' : 'C' }));
    expect(rules(latin9(text(ms, '\t', header)))).toEqual([]);
    expect(rules(latin9(text(ms.map((l, i) => ({ ...l, Credit: i === 0 ? '+1' : '-1' })), '\t', header)))).toEqual([]);
    expect(rules(latin9(text(ms.map((l) => ({ ...l, Credit: 'X' })), '\t', header)))).toContain('AMOUNT');
  });

  it('accepts an EBCDIC file (the invariant characters)', () => {
    const ascii = text(VALID.slice(0, 2).map((l) => ({ ...l, CompteLib: 'Bons en circulation' })));
    const table: Record<string, number> = { '\t': 0x05, '\r': 0x0d, '\n': 0x25, ' ': 0x40, ',': 0x6b, '-': 0x60 };
    const put = (from: number, chars: string) => [...chars].forEach((c, i) => (table[c] = from + i));
    put(0x81, 'abcdefghi'); put(0x91, 'jklmnopqr'); put(0xa2, 'stuvwxyz'); put(0xc1, 'ABCDEFGHI'); put(0xd1, 'JKLMNOPQR'); put(0xe2, 'STUVWXYZ'); put(0xf0, '0123456789');
    const r = checkFec(Buffer.from(Array.from(ascii, (c) => table[c]!)));
    expect(r.encoding).toBe('ebcdic');
    expect(r.violations).toEqual([]);
  });

  it('refuses UTF-8 (multibyte sequences or a BOM) and C1 control bytes', () => {
    expect(rules(Buffer.from(text(VALID), 'utf8'))).toEqual(['ENCODING']);
    expect(checkFec(Buffer.from(text(VALID), 'utf8')).encoding).toBe('not-allowed');
    expect(rules(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), latin9(text(VALID))]))).toContain('ENCODING');
    expect(rules(latin9(text(entry('1', '1,00', { EcritureLib: 'x\u0085y' }))))).toContain('ENCODING');
  });

  it('refuses a wrong header, separator or number of zones', () => {
    const swapped = [...FEC_FIELDS];
    [swapped[11], swapped[12]] = [swapped[12]!, swapped[11]!];
    expect(rules(latin9(text(VALID, '\t', swapped)))).toContain('HEADER');
    expect(rules(latin9(text(VALID, '\t', FEC_FIELDS.map((f) => f.toUpperCase()))))).toContain('HEADER');
    expect(rules(latin9(text(VALID, ';')))).toEqual(['SEPARATOR']);
    expect(rules(latin9(text(VALID).replace('\t\r\n', '\r\n')))).toContain('FIELD_COUNT');
    expect(rules(latin9(''))).toEqual(['HEADER']);
  });

  it('refuses dates that are not AAAAMMJJ calendar days, and a missing ValidDate', () => {
    expect(rules(latin9(text(entry('1', '1,00', { EcritureDate: '2026-03-14' }))))).toContain('DATE');
    expect(rules(latin9(text(entry('1', '1,00', { PieceDate: '20260230' }))))).toEqual(['DATE']);
    expect(rules(latin9(text(entry('1', '1,00', { ValidDate: '' }))))).toEqual(['REQUIRED']);
    expect(rules(latin9(text(entry('1', '1,00', { DateLet: '14/03/2026' }))))).toEqual(['DATE']);
  });

  it('refuses amounts with a decimal point or a thousands separator', () => {
    expect(rules(latin9(text(entry('1', '12.50'))))).toEqual(['AMOUNT']);
    expect(rules(latin9(text(entry('1', '1 234,50'))))).toEqual(['AMOUNT']);
    expect(rules(latin9(text(entry('1', '1.234,50'))))).toEqual(['AMOUNT']);
    expect(rules(latin9(text(entry('1', '')))).sort()).toEqual(['AMOUNT', 'REQUIRED']);
  });

  it('refuses an unbalanced entry', () => {
    const [a, b] = entry('1', '10,00');
    expect(rules(latin9(text([a!, { ...b!, Credit: '9,99' }])))).toEqual(['UNBALANCED']);
  });

  it('refuses numbers that are not continuous per journal: a gap, a step back, a restart, an entry split', () => {
    expect(rules(latin9(text([...entry('1', '1,00'), ...entry('3', '1,00')])))).toEqual(['ECRITURE_NUM']);
    expect(rules(latin9(text([...entry('2', '1,00'), ...entry('1', '1,00')])))).toEqual(['ECRITURE_NUM']);
    // A period export may start anywhere; a whole year starts at 1.
    expect(rules(latin9(text([...entry('26', '1,00'), ...entry('27', '1,00')])))).toEqual([]);
    expect(rules(latin9(text([...entry('26', '1,00'), ...entry('27', '1,00')])), { fullYear: true })).toEqual(['ECRITURE_NUM']);
    const od = entry('1', '1,00', { JournalCode: 'OD', JournalLib: 'Opérations diverses' });
    expect(rules(latin9(text([entry('1', '1,00')[0]!, ...od, entry('1', '1,00')[1]!])))).toContain('ENTRY_SPLIT');
    expect(rules(latin9(text(entry('VT-1', '1,00'))))).toEqual(['ECRITURE_NUM']);
  });

  it('refuses an entry dated outside the period, an account outside the PCG, a missing auxiliary label', () => {
    expect(rules(latin9(text(VALID)), { period: { from: '20260315' } })).toEqual(['PERIOD']);
    expect(rules(latin9(text(VALID)), { fileName: '732829320FEC20260315.txt' })).toEqual(['PERIOD']);
    expect(rules(latin9(text(entry('1', '1,00', { CompteNum: 'ABC' }))))).toEqual(['COMPTE_NUM']);
    expect(rules(latin9(text(entry('1', '1,00', { CompAuxNum: 'm_1' }))))).toEqual(['REQUIRED']);
  });

  it('refuses a file not named <SIREN>FEC<AAAAMMJJ>.txt with a valid SIREN and date', () => {
    for (const name of ['FEC-debut-fin.txt', '732829321FEC20261231.txt', '732829320FEC20261332.txt', '732829320FEC20261231.csv', '73282932000074FEC20261231.txt']) {
      expect(rules(latin9(text(VALID)), { fileName: name }), name).toEqual(['FILE_NAME']);
    }
  });
});
