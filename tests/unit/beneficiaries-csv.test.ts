import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseBeneficiaries, MAX_REPORTED_ROW_ERRORS, type BeneficiariesReport, type BeneficiaryRules } from '../../server/domain/bulk/beneficiaries-csv';
import { columnOf, parseAmountCell } from '../../server/domain/bulk/beneficiary-fields';
import { decodeCsvBytes, readCsv } from '../../server/domain/bulk/csv-text';
import { dictionaries, translate } from '../../server/lib/i18n';

const RULES: BeneficiaryRules = { minCents: 10_00, maxCents: 500_00, maxRows: 10_000, allowedCents: null };

const fixture = (name: string) => readFileSync(new URL(`../fixtures/csv/${name}`, import.meta.url));
const parse = (input: string | Buffer, rules: BeneficiaryRules = RULES) =>
  parseBeneficiaries(typeof input === 'string' ? Buffer.from(input, 'utf8') : input, rules);

function rowsOf(report: BeneficiariesReport) {
  if (!report.ok) throw new Error(`expected a valid file, got ${JSON.stringify(report)}`);
  return report.rows;
}

function failureOf(report: BeneficiariesReport) {
  if (report.ok) throw new Error('expected the file to be refused');
  return report;
}

/** Row errors as [line, column, code], the way a user reads them. */
const rowErrors = (report: BeneficiariesReport) => failureOf(report).rowErrors.map((e) => [e.line, e.column ?? null, e.code]);
const fileCodes = (report: BeneficiariesReport) => failureOf(report).fileErrors.map((e) => e.code);

describe('real spreadsheet exports', () => {
  it('reads an Excel FR file in Windows-1252 with ";" and trailing empty columns', () => {
    const bytes = fixture('excel-fr-cp1252.csv');
    // The fixture really is Windows-1252: é = E9, € = 80, ’ = 92, œ = 9C, and not valid UTF-8.
    for (const b of [0xe9, 0x80, 0x92, 0x9c, 0xa0]) expect(bytes.includes(b)).toBe(true);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();

    const report = parse(bytes);
    expect(report).toMatchObject({ ok: true, count: 4, totalCents: 250_00 });
    expect(rowsOf(report)).toEqual([
      { line: 2, name: 'Hélène Dupré', email: 'helene.dupre@mairie-exemple.fr', amountCents: 50_00, message: 'Merci pour votre engagement !' },
      { line: 3, name: 'Jérôme Lefèvre', email: null, amountCents: 30_00, message: null },
      { line: 4, name: 'Zoë Œhlenschläger', email: 'zoe.o@exemple.fr', amountCents: 150_00, message: 'Bonne fête de fin d\u2019année' },
      { line: 5, name: 'François Bœuf', email: 'francois.boeuf@exemple.fr', amountCents: 20_00, message: null },
    ]);
  });

  it('reads a LibreOffice file in UTF-8 with a BOM, "," and quoted cells holding commas, quotes and line breaks', () => {
    const bytes = fixture('libreoffice-utf8-bom.csv');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(rowsOf(parse(bytes))).toEqual([
      { line: 2, name: 'Dupont, Marie', email: 'marie.dupont@exemple.fr', amountCents: 25_00, message: 'Pour "tout" ce que vous faites, merci.' },
      // The quoted line break keeps both physical lines in spreadsheet row 3.
      { line: 3, name: 'Nguyễn Văn An', email: 'an.nguyen@exemple.fr', amountCents: 40_50, message: 'Première ligne\nDeuxième ligne' },
      { line: 4, name: "O'Brien Siobhán", email: null, amountCents: 10_00, message: null },
    ]);
  });

  it('reads a Google Sheets export with first and last names, CRLF and no final line break', () => {
    const report = parse(fixture('google-sheets.csv'), { ...RULES, maxCents: 1_000_00 });
    expect(rowsOf(report).map((r) => [r.line, r.name, r.email, r.amountCents])).toEqual([
      [2, 'Alice Martin', 'alice.martin@company.example', 25_00],
      [3, 'Bob Leroy', 'bob.leroy@company.example', 1_000_00],
      [4, 'Chloé Petit', null, 75_50],
    ]);
    expect(report).toMatchObject({ count: 3, totalCents: 1_100_50 });
  });

  it('names the missing required columns in one file error, with the titles it read', () => {
    const report = failureOf(parse(fixture('missing-columns.csv')));
    expect(report.fileErrors).toEqual([
      { code: 'missing_columns', messageKey: 'bulk.file.missing_amount', params: { columns: 'amount', found: 'Nom, Adresse, Ville' } },
    ]);
    expect(report.rowErrors).toEqual([]);
    expect(failureOf(parse('Montant;Email\n50;a@b.fr')).fileErrors[0]).toMatchObject({ messageKey: 'bulk.file.missing_name', params: { columns: 'name' } });
    expect(failureOf(parse('50;Jean Dupont\n')).fileErrors[0]).toMatchObject({ messageKey: 'bulk.file.missing_name_amount', params: { columns: 'name,amount' } });
  });

  it('reports every bad amount and email of a file, each on its row and column', () => {
    expect(rowErrors(parse(fixture('bad-amounts.csv')))).toEqual([
      [2, 'amount', 'amount_negative'],
      [3, 'amount', 'amount_zero'],
      [4, 'amount', 'amount_decimals'],
      [5, 'amount', 'amount_invalid'],
      [6, 'amount', 'amount_missing'],
      [7, 'email', 'email_invalid'],
      [7, 'amount', 'amount_below_min'],
    ]);
  });

  it('reports duplicates on the later row, pointing at the first', () => {
    const report = failureOf(parse(fixture('duplicates.csv')));
    expect(report.rowErrors.map((e) => [e.line, e.column ?? null, e.code, e.params?.firstLine])).toEqual([
      [4, null, 'duplicate_row', 2], // same name and email, other case and spaces
      [5, 'email', 'duplicate_email', 3], // same email, another name
      [7, null, 'duplicate_row', 6], // same name, both without email
    ]);
  });

  it('skips blank lines, and counts them in line numbers as the spreadsheet shows them', () => {
    expect(rowErrors(parse(fixture('blank-lines.csv')))).toEqual([[7, 'amount', 'amount_invalid']]);
    const fixed = fixture('blank-lines.csv').toString('utf8').replace('abc', '15');
    expect(rowsOf(parse(fixed)).map((r) => [r.line, r.name])).toEqual([[4, 'Ana Lopes'], [7, 'Bruno Roux']]);
  });

  it('gives every issue a message key defined in both languages', () => {
    const reports = ['missing-columns.csv', 'bad-amounts.csv', 'duplicates.csv', 'blank-lines.csv'].map((f) => failureOf(parse(fixture(f))));
    const keys = reports.flatMap((r) => [...r.fileErrors, ...r.rowErrors].map((e) => e.messageKey));
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) {
      expect(key).toMatch(/^bulk\./);
      expect(dictionaries.fr[key], key).toBeDefined();
      expect(dictionaries.en[key], key).toBeDefined();
    }
  });
});

describe('amount cells', () => {
  it.each([
    ['50', 50_00],
    ['50,00', 50_00],
    ['50.00', 50_00],
    ['50,5', 50_50],
    ['50,00 €', 50_00],
    ['50,00\u00a0€', 50_00],
    ['50€', 50_00],
    ['€50', 50_00],
    ['€ 12,50', 12_50],
    ['EUR 50', 50_00],
    ['50 euros', 50_00],
    ['1 000,00', 1_000_00],
    ['1\u00a0000,00', 1_000_00],
    ['1\u202f000,00 €', 1_000_00],
    ['€1,000.00', 1_000_00],
    ['1.000,50', 1_000_50],
    ['0,01', 1],
  ])('reads %j as %i cents', (cell, expected) => {
    expect(parseAmountCell(cell)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'amount_missing'],
    ['   ', 'amount_missing'],
    ['-50', 'amount_negative'],
    ['- 50,00 €', 'amount_negative'],
    ['\u221250', 'amount_negative'],
    ['(50,00)', 'amount_negative'],
    ['0', 'amount_zero'],
    ['0,00 €', 'amount_zero'],
    ['12,345', 'amount_decimals'],
    ['50.001', 'amount_decimals'],
    ['1,000', 'amount_decimals'], // a thousand or one euro? Refused rather than guessed.
    ['cinquante', 'amount_invalid'],
    ['€', 'amount_invalid'],
    ['50,,00', 'amount_invalid'],
    ['50 50', 'amount_invalid'],
    ['1e3', 'amount_invalid'],
    ['1,000,00', 'amount_invalid'],
    ['+50', 'amount_invalid'],
  ])('refuses %j (%s)', (cell, code) => {
    expect(parseAmountCell(cell)).toEqual({ ok: false, code });
  });
});

describe("the campaign's amount rule", () => {
  it('checks free amounts against the bounds, with the amounts as money parameters', () => {
    const report = failureOf(parse('nom;montant\nA;9,99\nB;10\nC;500\nD;500,01'));
    expect(report.rowErrors).toEqual([
      { line: 2, column: 'amount', code: 'amount_below_min', messageKey: 'bulk.row.amount_below_min', params: { amountCents: 999, minCents: 10_00 } },
      { line: 5, column: 'amount', code: 'amount_above_max', messageKey: 'bulk.row.amount_above_max', params: { amountCents: 500_01, maxCents: 500_00 } },
    ]);
    const [, above] = report.rowErrors;
    expect(translate('fr', above!.messageKey, above!.params)).toBe('500,01\u00a0€ dépasse le maximum de la campagne (500,00\u00a0€).');
    expect(translate('en', above!.messageKey, above!.params)).toBe('€500.01 is above the campaign’s maximum (€500.00).');
  });

  it('accepts only the denominations when free amounts are not sold', () => {
    const rules = { ...RULES, allowedCents: [20_00, 50_00] };
    expect(rowErrors(parse('nom;montant\nA;20\nB;30\nC;50,00 €', rules))).toEqual([[3, 'amount', 'amount_not_allowed']]);
    expect(rowsOf(parse('nom;montant\nA;20\nC;50,00 €', rules)).map((r) => r.amountCents)).toEqual([20_00, 50_00]);
  });
});

describe('rows', () => {
  it('refuses control and bidirectional-override characters in names and messages, keeps a message on two lines (issue 13)', () => {
    const csv = 'nom;montant;message\nAli\u001b[2Jce;20;\nBob;20;Merci \u202eevil\nZoë \u2066x\u2069;20;\n"Chloé";20;"Merci\nà bientôt"';
    expect(rowErrors(parse(csv))).toEqual([
      [2, 'name', 'name_invalid_chars'],
      [3, 'message', 'message_invalid_chars'],
      [4, 'name', 'name_invalid_chars'],
    ]);
    expect(translate('fr', 'bulk.row.name_invalid_chars')).toContain('non autorisés');
    expect(rowsOf(parse('nom;montant;message\n"Chloé";20;"Merci\nà bientôt"'))[0]).toMatchObject({ name: 'Chloé', message: 'Merci\nà bientôt' });
  });

  it('checks names, emails and messages, reporting every problem of a row', () => {
    const long = 'x'.repeat(101);
    const csv = `nom;email;montant;message\n;pas-une-adresse;abc;${'m'.repeat(301)}\n${long};;20;\n${'y'.repeat(100)};;20;${'m'.repeat(300)}`;
    const report = failureOf(parse(csv));
    expect(report.rowErrors.map((e) => [e.line, e.column, e.code, e.params?.max])).toEqual([
      [2, 'name', 'name_missing', undefined],
      [2, 'email', 'email_invalid', undefined],
      [2, 'amount', 'amount_invalid', undefined],
      [2, 'message', 'message_too_long', 300],
      [3, 'name', 'name_too_long', 100],
    ]);
  });

  it('tidies names and emails: spaces collapsed, email lower-cased', () => {
    expect(rowsOf(parse('nom;email;montant\n  Jean\u00a0  Dupont ; Jean.Dupont@Exemple.FR ;20'))[0]).toMatchObject({
      name: 'Jean Dupont',
      email: 'jean.dupont@exemple.fr',
    });
  });

  it('flags cells right of the header, the mark of an unquoted delimiter inside a name', () => {
    expect(rowErrors(parse('nom,email,montant\nDupont, Jean,jean@exemple.fr,50'))).toContainEqual([2, null, 'extra_cells']);
    expect(rowsOf(parse('nom;email;montant;;\nA;;10;;\n'))).toHaveLength(1);
  });

  it('never returns part of a file: one bad row refuses them all', () => {
    const report = parse('nom;montant\nA;10\nB;-1\nC;10');
    expect(report).toEqual({ ok: false, fileErrors: [], rowErrors: [expect.objectContaining({ line: 3 })], moreRowErrors: 0 });
  });

  it(`lists at most ${MAX_REPORTED_ROW_ERRORS} row errors and counts the rest`, () => {
    const csv = `nom;montant\n${Array.from({ length: 250 }, (_, i) => `P${i};zéro`).join('\n')}`;
    const report = failureOf(parse(csv));
    expect(report.rowErrors).toHaveLength(MAX_REPORTED_ROW_ERRORS);
    expect(report.rowErrors.at(-1)!.line).toBe(MAX_REPORTED_ROW_ERRORS + 1);
    expect(report.moreRowErrors).toBe(50);
  });

  it('refuses more rows than the limit in a file-level error, and accepts exactly the limit', () => {
    const csv = (n: number) => `nom;montant\n${Array.from({ length: n }, (_, i) => `P${i};10`).join('\n')}`;
    expect(rowsOf(parse(csv(10_000)))).toHaveLength(10_000);
    const report = failureOf(parse(csv(10_001)));
    expect(report.fileErrors).toEqual([{ code: 'too_many_rows', messageKey: 'bulk.file.too_many_rows', params: { max: 10_000, count: 10_001 } }]);
  });
});

describe('file structure', () => {
  it.each([
    ['nom', 'name'], ['Name', 'name'], ['Bénéficiaire', 'name'], ['NOM DU BÉNÉFICIAIRE', 'name'], ['Nom, prénom', 'name'],
    ['Prénom', 'firstName'], ['First name', 'firstName'],
    ['E-mail', 'email'], ['email', 'email'], ['Courriel', 'email'], ['mail', 'email'], ['Adresse e-mail', 'email'],
    ['Montant', 'amount'], ['amount', 'amount'], ['Valeur', 'amount'], ['Montant (€)', 'amount'], ['Montant en euros', 'amount'], ['Amount (EUR)', 'amount'],
    ['Message', 'message'], ['Message personnalisé', 'message'],
    ['Service', null], ['Matricule', null], ['', null],
  ])('maps the header %j to %s', (header, column) => {
    expect(columnOf(header)).toBe(column);
  });

  it.each([
    ['";"', 'nom;email;montant\nA;a@exemple.fr;10'],
    ['","', 'nom,email,montant\nA,a@exemple.fr,10'],
    ['tab', 'nom\temail\tmontant\nA\ta@exemple.fr\t10'],
    ['";" with commas in the header', '"Nom, prénom";Email;Montant\nA;a@exemple.fr;10'],
    ['"sep=," first line', 'sep=,\nnom,email,montant\nA,a@exemple.fr,10'],
  ])('detects the delimiter: %s', (_, csv) => {
    expect(rowsOf(parse(csv))).toEqual([{ line: 2, name: 'A', email: 'a@exemple.fr', amountCents: 10_00, message: null }]);
  });

  it('handles CRLF, LF and lone CR line ends alike', () => {
    for (const eol of ['\r\n', '\n', '\r']) expect(rowsOf(parse(['nom;montant', 'A;10', 'B;20', ''].join(eol))).map((r) => r.line)).toEqual([2, 3]);
  });

  it('reads quoted cells: doubled quotes, delimiters, line breaks, spaces before the quote', () => {
    const read = readCsv('a,"b ""c"", d","e\r\nf"\n"", "g"\n');
    expect(read).toEqual({ ok: true, delimiter: ',', records: [{ line: 1, cells: ['a', 'b "c", d', 'e\r\nf'] }, { line: 2, cells: ['', 'g'] }] });
  });

  it('refuses a quote that is never closed, naming its line', () => {
    const report = failureOf(parse('nom;montant\nA;10\n"B;20\nC;30\n'));
    expect(report.fileErrors).toEqual([{ code: 'unclosed_quote', messageKey: 'bulk.file.unclosed_quote', params: { line: 3 } }]);
  });

  it('refuses two columns meaning the same thing', () => {
    expect(failureOf(parse('Nom;Email;Courriel;Montant\nA;a@b.fr;a@b.fr;10')).fileErrors).toEqual([
      { code: 'duplicate_column', messageKey: 'bulk.file.duplicate_column', params: { column: 'Courriel' } },
    ]);
  });

  it.each([
    ['an empty file', ''],
    ['blank lines only', '\r\n\r\n;;\r\n'],
    ['a header alone', 'nom;email;montant\r\n;;\r\n'],
  ])('refuses %s as empty', (_, csv) => {
    expect(fileCodes(parse(csv))).toEqual(['empty']);
  });
});

describe('encodings', () => {
  it('decodes Windows-1252 bytes 0x80–0x9F as Windows does, not as Latin-1 controls', () => {
    // "Cœur – 50 €" with œ = 9C, en dash = 96, € = 80.
    const bytes = Buffer.from('43 9c 75 72 20 96 20 35 30 20 80'.replace(/ /g, ''), 'hex');
    expect(decodeCsvBytes(bytes)).toEqual({ ok: true, text: 'Cœur – 50 €' });
  });

  it('reads a Windows-1252 file built byte by byte', () => {
    const bytes = Buffer.concat([Buffer.from('Nom;Montant\r\nL\xe9a M\xfcller;12,50 ', 'latin1'), Buffer.from([0x80]), Buffer.from('\r\n')]);
    expect(rowsOf(parse(bytes))).toEqual([{ line: 2, name: 'Léa Müller', email: null, amountCents: 12_50, message: null }]);
  });

  it('reads UTF-8 without a BOM and Excel "Unicode text" (UTF-16LE, tabs)', () => {
    expect(rowsOf(parse('nom;montant\nLéa;12,50 €'))[0]!.name).toBe('Léa');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Nom\tMontant\r\nLéa\t12,50 €\r\n', 'utf16le')]);
    expect(rowsOf(parse(utf16))).toEqual([{ line: 2, name: 'Léa', email: null, amountCents: 12_50, message: null }]);
  });

  it('treats decomposed accents (macOS) like composed ones', () => {
    expect(rowErrors(parse('nom;montant\nLe\u0301a;10\nLéa;10'))).toEqual([[3, null, 'duplicate_row']]);
    expect(rowsOf(parse('nom;montant\nLe\u0301a;10'))[0]!.name).toBe('L\u00e9a');
  });

  it('recognises a workbook or another binary file uploaded by mistake', () => {
    expect(fileCodes(parse(Buffer.from('504b030414000600', 'hex')))).toEqual(['workbook']); // .xlsx / .ods
    expect(fileCodes(parse(Buffer.from('d0cf11e0a1b11ae1', 'hex')))).toEqual(['workbook']); // .xls
    expect(fileCodes(parse(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00])))).toEqual(['binary']); // a PNG
  });
});
