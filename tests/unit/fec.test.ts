import { describe, expect, it } from 'vitest';
import { defaultChart, FEC_COLUMNS, fecLines, journalCsvLines, type FecEntry } from '../../server/reports/fec';

const HEADER = 'JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise';

const entry = (overrides: Partial<FecEntry> = {}): FecEntry => ({
  journalCode: 'VT',
  journalLib: 'Ventes de bons',
  entryNumber: 'VT-000001',
  date: new Date('2026-03-14T10:00:00Z'),
  pieceRef: 'CMD-2026-0042',
  pieceDate: new Date('2026-03-14T09:58:00Z'),
  label: 'Vente de bons CMD-2026-0042',
  validDate: new Date('2026-03-15T08:00:00Z'),
  lines: [
    { account: 'payments_clearing:stripe', amountCents: 123_450 },
    { account: 'voucher_liability', amountCents: -120_000 },
    { account: 'service_fee_revenue', amountCents: -2_875 },
    { account: 'vat_collected', amountCents: -575 },
  ],
  ...overrides,
});

const redemption = entry({
  journalCode: 'OD',
  journalLib: 'Opérations diverses',
  entryNumber: 'OD-000001',
  pieceRef: 'RED-1',
  label: 'Encaissement de bon chez Boulangerie Martin',
  lines: [
    { account: 'voucher_liability', amountCents: 5_000 },
    { account: 'merchant_payable:m_42', amountCents: -5_000 },
  ],
});

const cells = (line: string) => line.split('\t');
const col = (line: string, name: (typeof FEC_COLUMNS)[number]) => cells(line)[FEC_COLUMNS.indexOf(name)]!;
/** "1234,50" → 123450, by string arithmetic like the code under test. */
const fecCents = (amount: string): number => {
  expect(amount).toMatch(/^\d+,\d{2}$/);
  return Number(amount.replace(',', ''));
};

describe('fecLines', () => {
  it('writes the header and 18 columns on every line, balanced', () => {
    const lines = [...fecLines([entry(), redemption])];
    expect(lines[0]).toBe(HEADER);
    expect(lines).toHaveLength(1 + 4 + 2);
    for (const l of lines) expect(cells(l)).toHaveLength(18);
    const rows = lines.slice(1);
    const debit = rows.reduce((s, l) => s + fecCents(col(l, 'Debit')), 0);
    const credit = rows.reduce((s, l) => s + fecCents(col(l, 'Credit')), 0);
    expect(debit).toBe(128_450);
    expect(credit).toBe(debit);
  });

  it('writes each column of a debit and a credit line', () => {
    const [, clearing, liability] = [...fecLines([entry()])];
    expect(cells(clearing!)).toEqual([
      'VT', 'Ventes de bons', 'VT-000001', '20260314', '5117', 'Encaissements des prestataires de paiement', 'stripe', 'stripe',
      'CMD-2026-0042', '20260314', 'Vente de bons CMD-2026-0042', '1234,50', '0,00', '', '', '20260315', '', '',
    ]);
    expect(col(liability!, 'CompteNum')).toBe('4671');
    expect(col(liability!, 'CompAuxNum')).toBe('');
    expect(col(liability!, 'Debit')).toBe('0,00');
    expect(col(liability!, 'Credit')).toBe('1200,00');
    const [, , shop] = [...fecLines([redemption])];
    expect([col(shop!, 'CompteNum'), col(shop!, 'CompAuxNum'), col(shop!, 'Credit')]).toEqual(['401', 'm_42', '50,00']);
  });

  it('writes amounts with a comma, two decimals and no thousands separator', () => {
    const big = entry({ lines: [{ account: 'bank', amountCents: 12_345_678_901 }, { account: 'payouts_in_transit', amountCents: -12_345_678_896 }, { account: 'bank', amountCents: -5 }] });
    const [, a, b, c] = [...fecLines([big])];
    expect(col(a!, 'Debit')).toBe('123456789,01');
    expect(col(b!, 'Credit')).toBe('123456788,96');
    expect(col(c!, 'Credit')).toBe('0,05');
  });

  it('dates in Paris: 22:30 UTC on March 31 (summer time) is April 1', () => {
    const lines = [...fecLines([
      entry({ date: new Date('2026-03-31T22:30:00Z'), pieceDate: new Date('2026-03-31T21:59:59Z'), validDate: new Date('2026-01-31T23:00:00Z') }),
    ])];
    expect(col(lines[1]!, 'EcritureDate')).toBe('20260401');
    expect(col(lines[1]!, 'PieceDate')).toBe('20260331');
    expect(col(lines[1]!, 'ValidDate')).toBe('20260201'); // winter: UTC+1
  });

  it('replaces tabs and line breaks inside fields with spaces', () => {
    const lines = [...fecLines([entry({ label: 'Vente\tde\r\nbons', journalLib: 'A\u2028B', pieceRef: 'X\u0000Y' })])];
    for (const l of lines) expect(cells(l)).toHaveLength(18);
    expect(col(lines[1]!, 'EcritureLib')).toBe('Vente de  bons');
    expect(col(lines[1]!, 'JournalLib')).toBe('A B');
    expect(col(lines[1]!, 'PieceRef')).toBe('X Y');
  });

  it('throws on an unbalanced entry before yielding any of its lines', () => {
    const bad = entry({ entryNumber: 'VT-000002', lines: [{ account: 'bank', amountCents: 100 }, { account: 'voucher_liability', amountCents: -99 }] });
    const seen: string[] = [];
    expect(() => {
      for (const l of fecLines([redemption, bad])) seen.push(l);
    }).toThrow(/entry VT VT-000002: unbalanced journal: lines sum to 1/);
    expect(seen).toHaveLength(1 + 2);
    expect(() => [...fecLines([entry({ lines: [{ account: 'bank', amountCents: 1.5 }, { account: 'bank', amountCents: -1.5 }] })])]).toThrow(/non-integer/);
    expect(() => [...fecLines([entry({ date: new Date(Number.NaN) })])]).toThrow(/invalid date/);
  });

  it('uses the chart it is given', () => {
    const chart = (a: string) => ({ ...defaultChart(a), auxLib: a === 'merchant_payable:m_42' ? 'Boulangerie Martin' : undefined });
    const [, , shop] = [...fecLines([redemption], chart)];
    expect(col(shop!, 'CompAuxLib')).toBe('Boulangerie Martin');
  });

  it('streams: a lazy source is consumed line by line, never collected', () => {
    function* endless(): Generator<FecEntry> {
      for (let i = 0; ; i++) yield entry({ entryNumber: `VT-${i}` });
    }
    const it = fecLines(endless());
    expect(it.next().value).toBe(HEADER);
    expect(col(it.next().value as string, 'EcritureNum')).toBe('VT-0');

    function* many(n: number): Generator<FecEntry> {
      const base = Date.UTC(2026, 0, 1);
      for (let i = 0; i < n; i++) {
        const date = new Date(base + i * 300_000);
        yield { ...redemption, entryNumber: `OD-${i}`, date, pieceDate: date, validDate: date, lines: [{ account: 'voucher_liability', amountCents: 1 + i }, { account: `merchant_payable:m_${i % 50}`, amountCents: -1 - i }] };
      }
    }
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = heapBefore;
    const started = performance.now();
    let count = 0;
    let debit = 0;
    for (const l of fecLines(many(100_000))) {
      if (++count % 20_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
      // Plain code in the loop: an expect() per line would cost more than the export itself.
      if (count > 1) debit += Number(l.split('\t')[11]!.replace(',', ''));
    }
    const ms = performance.now() - started;
    expect(count).toBe(1 + 200_000);
    expect(debit).toBe((100_000 * 100_001) / 2);
    expect(ms).toBeLessThan(5_000);
    // Collecting the 200 000 lines measures ~145 MB; streaming peaks around 15 MB.
    expect(peak - heapBefore).toBeLessThan(48 * 1024 * 1024);
  });
});

describe('defaultChart', () => {
  it('maps our accounts to the PCG, parties to auxiliary accounts, the unknown to 471', () => {
    const nums = (a: string) => {
      const c = defaultChart(a);
      return [c.compteNum, c.auxNum ?? null];
    };
    expect(nums('bank')).toEqual(['512', null]);
    expect(nums('payments_clearing:stripe')).toEqual(['5117', 'stripe']);
    expect(nums('payouts_in_transit')).toEqual(['580', null]);
    expect(nums('payments_suspense')).toEqual(['4718', null]);
    expect(nums('customer_advances')).toEqual(['4191', null]);
    expect(nums('voucher_liability')).toEqual(['4671', null]);
    expect(nums('payouts_pending')).toEqual(['4673', null]);
    expect(nums('sponsor_payable:c_7')).toEqual(['4672', 'c_7']);
    expect(nums('merchant_payable:m_1')).toEqual(['401', 'm_1']);
    expect(nums('service_fee_revenue')).toEqual(['706', null]);
    expect(nums('commission_revenue')).toEqual(['7082', null]);
    expect(nums('breakage_revenue')).toEqual(['758', null]);
    expect(nums('vat_collected')).toEqual(['44571', null]);
    expect(defaultChart('gift_aid')).toEqual({ compteNum: '471', compteLib: 'gift_aid' });
    expect(defaultChart('merchant_payable:')).toEqual({ compteNum: '471', compteLib: 'merchant_payable:' });
    expect(defaultChart('constructor')).toEqual({ compteNum: '471', compteLib: 'constructor' });
    expect(defaultChart('toString:x')).toEqual({ compteNum: '471', compteLib: 'toString:x' });
  });
});

describe('journalCsvLines', () => {
  it('writes the journal for spreadsheets with ; and comma decimals', () => {
    const lines = [...journalCsvLines([entry({ label: '=HYPERLINK("x"); vente' }), redemption])];
    expect(lines[0]).toBe('date;journal;entry;account;label;debit;credit');
    expect(lines[1]).toBe('2026-03-14;VT;VT-000001;payments_clearing:stripe;"\'=HYPERLINK(""x""); vente";1234,50;');
    expect(lines[2]).toBe('2026-03-14;VT;VT-000001;voucher_liability;"\'=HYPERLINK(""x""); vente";;1200,00');
    expect(lines[6]).toBe('2026-03-14;OD;OD-000001;merchant_payable:m_42;Encaissement de bon chez Boulangerie Martin;;50,00');
    expect(lines).toHaveLength(7);
  });

  it('refuses an unbalanced entry too', () => {
    expect(() => [...journalCsvLines([entry({ lines: [{ account: 'bank', amountCents: 1 }] })])]).toThrow(/at least two lines/);
  });
});
