import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkInvoiceDocument, computeTotals, formatInvoiceNumber, vatOn, type InvoiceLine } from '../../server/invoices/invoice-document';
import { divideRounded } from '../../server/lib/money';
import { renderInvoicePdf } from '../../server/invoices/invoice-pdf';
import { company, companySeller, feeLine, invoiceDocument, paidInvoiceDocument, proformaDocument, townHall, voucherLines } from '../fixtures/invoice-documents';
import { popplerAvailable } from '../support/poppler';

const hasPoppler = popplerAvailable(); // skipped with a notice without poppler-utils; mandatory under REQUIRE_POPPLER=1 (CI)
if (!hasPoppler && process.env.CI) throw new Error('CI must install poppler-utils (pdftotext, pdffonts)');

/** Reference rounding with BigInt: a / b, half away from zero. */
function bigRound(a: number, b: number): number {
  const n = BigInt(Math.abs(a));
  const d = BigInt(b);
  const q = (n * 2n + d) / (2n * d);
  return a < 0 ? -Number(q) : Number(q);
}

const voucherArb = fc.record({
  kind: fc.constant('voucher' as const),
  campaignName: fc.constant('Chèques cadeaux'),
  faceValueCents: fc.integer({ min: 1, max: 50_000 }),
  quantity: fc.integer({ min: 1, max: 10_000 }),
});
const feeArb = fc.record({
  kind: fc.constant('service_fee' as const),
  quantity: fc.integer({ min: 1, max: 1_000 }),
  unitCents: fc.integer({ min: 1, max: 1_000_000 }),
  vatRateBp: fc.constantFrom(2000, 1000, 550, 210, 1234),
});
const linesArb = fc.array(fc.oneof(voucherArb, feeArb), { minLength: 1, maxLength: 30 }) as fc.Arbitrary<InvoiceLine[]>;

describe('invoice totals', () => {
  it('adds vouchers outside the scope of VAT and a fee at 20 %', () => {
    const t = computeTotals([...voucherLines, feeLine]);
    expect(t.lines.map((l) => l.netCents)).toEqual([300_000, 200_000, 15_000]);
    expect(t.vat).toEqual([
      { category: 'O', rateBp: null, baseCents: 500_000, vatCents: 0 },
      { category: 'S', rateBp: 2000, baseCents: 15_000, vatCents: 3_000 },
    ]);
    expect(t).toMatchObject({ netCents: 515_000, vatCents: 3_000, grossCents: 518_000, dueCents: 518_000 });
  });

  it('rounds VAT half away from zero, once per rate on the sum of its lines', () => {
    expect([vatOn(5, 1000), vatOn(15, 1000), vatOn(14, 1000), vatOn(-5, 1000), vatOn(-15, 1000)]).toEqual([1, 2, 1, -1, -2]);
    // Three lines of 0.02 € at 20 %: 0.4 cent each would round to 0 three times; the sum (6 cents) gives 1 cent.
    const fee = (unitCents: number): InvoiceLine => ({ kind: 'service_fee', quantity: 1, unitCents, vatRateBp: 2000 });
    expect(computeTotals([fee(2), fee(2), fee(2)]).vatCents).toBe(1);
  });

  it('divides exactly for any safe integers', () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 50), max: 2 ** 50 }), fc.integer({ min: 1, max: 10_000_000 }), (a, b) => divideRounded(a, b) === bigRound(a, b)));
  });

  it('keeps Σ lines = total HT, VAT per rate on its base, and TTC = HT + VAT', () => {
    fc.assert(
      fc.property(linesArb, (lines) => {
        const t = computeTotals(lines);
        const sum = lines.reduce((s, l) => s + l.quantity * (l.kind === 'voucher' ? l.faceValueCents : l.unitCents), 0);
        expect(t.netCents).toBe(sum);
        expect(t.vat.reduce((s, g) => s + g.baseCents, 0)).toBe(t.netCents);
        const rates = new Set(lines.map((l) => (l.kind === 'voucher' ? null : l.vatRateBp)));
        expect(t.vat.map((g) => g.rateBp).sort()).toEqual([...rates].sort());
        for (const g of t.vat) {
          const base = lines.filter((l) => (l.kind === 'voucher' ? null : l.vatRateBp) === g.rateBp).reduce((s, l) => s + lineNet(l), 0);
          expect(g.baseCents).toBe(base);
          expect(g.vatCents).toBe(g.rateBp === null ? 0 : bigRound(base * g.rateBp, 10_000));
          expect(g.category).toBe(g.rateBp === null ? 'O' : 'S');
        }
        expect(t.vatCents).toBe(t.vat.reduce((s, g) => s + g.vatCents, 0));
        expect(t.grossCents).toBe(t.netCents + t.vatCents);
        expect(t.dueCents).toBe(t.grossCents);
      }),
    );
  });
});

function lineNet(l: InvoiceLine): number {
  return l.quantity * (l.kind === 'voucher' ? l.faceValueCents : l.unitCents);
}

describe('invoice document checks', () => {
  it('numbers invoices FAC-<year>-<6 digits>', () => {
    expect(formatInvoiceNumber(2026, 123)).toBe('FAC-2026-000123');
    expect(formatInvoiceNumber(2027, 1_234_567)).toBe('FAC-2027-1234567');
  });

  it('accepts the fixtures and refuses what a document cannot carry', () => {
    expect(checkInvoiceDocument(invoiceDocument())).toEqual({ ok: true });
    expect(checkInvoiceDocument(proformaDocument())).toEqual({ ok: true });
    expect(checkInvoiceDocument(invoiceDocument({ buyer: townHall }))).toEqual({ ok: true });
    const refused = (doc: Parameters<typeof checkInvoiceDocument>[0]) => {
      const r = checkInvoiceDocument(doc);
      return r.ok ? 'ok' : `${r.reason}@${r.field}`;
    };
    expect(refused(invoiceDocument({ number: null }))).toBe('missing_number@number');
    expect(refused(proformaDocument({ number: 'FAC-2026-000001' }))).toBe('unexpected_number@number');
    expect(refused(invoiceDocument({ lines: [] }))).toBe('no_lines@lines');
    expect(refused(invoiceDocument({ lines: [{ ...feeLine, quantity: 0 }] }))).toBe('bad_quantity@lines.0');
    expect(refused(invoiceDocument({ lines: [{ ...feeLine, unitCents: 1.5 }] }))).toBe('bad_amount@lines.0');
    expect(refused(invoiceDocument({ dueDate: '2026-03-01' }))).toBe('due_before_issue@dueDate');
    expect(refused(invoiceDocument({ issueDate: '2026-3-2' }))).toBe('bad_date@issueDate');
    expect(refused(invoiceDocument({ buyer: { ...company, siret: '40483304800023' } }))).toBe('bad_siret@buyer.siret');
    expect(refused(invoiceDocument({ seller: { ...companySeller, iban: 'FR7630006000011234567890180' } }))).toBe('bad_iban@seller.iban');
    expect(refused(invoiceDocument({ seller: { ...companySeller, vatNumber: 'FR45732829320' } }))).toBe('bad_vat_number@seller.vatNumber');
    expect(refused(invoiceDocument({ buyer: { ...townHall, serviceCode: 'SERV FÊTES' } }))).toBe('bad_service_code@buyer.serviceCode');
  });

  it('renders nothing for an invalid document', async () => {
    await expect(renderInvoicePdf(invoiceDocument({ number: 'F-1' }), 'fr')).rejects.toThrow(/missing_number/);
  });
});

/** pdftotext output with no-break spaces made plain, so amounts read "5 180,00 €". */
function pdfText(pdf: Buffer, dir: string, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-']).toString().replace(/[\u00a0\u202f]/g, ' ');
}

describe.runIf(hasPoppler)('invoice PDF', () => {
  const withDir = async (fn: (dir: string) => Promise<void>) => {
    const dir = mkdtempSync(join(tmpdir(), 'invoice-pdf-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('carries the mandatory mentions of a French invoice to a company', () =>
    withDir(async (dir) => {
      const text = pdfText(await renderInvoicePdf(invoiceDocument({ seller: companySeller }), 'fr'), dir, 'fr.pdf');
      for (const mention of [
        'FACTURE', 'FAC-2026-000123', 'Date d’émission', '2 mars 2026', 'Date d’échéance', '1er avril 2026',
        'Bons Locaux Normandie SAS', 'SAS au capital de 10 000,00 €', 'RCS Rouen 732829320', 'SIRET 73282932000074', 'N° TVA intracommunautaire FR44732829320',
        '181 quai Frissard', '76600 Le Havre',
        'Transports Maritimes du Havre SARL', 'SIRET 40483304800022', 'FR83404833048', 'Votre bon de commande', 'BC 2026-118',
        'Désignation', 'Qté', 'PU HT', 'TVA', 'Montant HT', 'valeur faciale 20,00 €', '150', '3 000,00 €',
        'Hors champ', '20 %', 'Total HT', '5 150,00 €', 'TVA 20 % sur 150,00 €', '30,00 €', 'Total TTC', 'Net à payer', '5 180,00 €',
        'article 256 ter, 2 du CGI', 'Bons à usages multiples',
        'Pénalités de retard', 'majoré de 10 points', 'L. 441-10', '40 €', 'D. 441-5', 'Pas d’escompte pour paiement anticipé',
        'FR76 3000 6000 0112 3456 7890 189', 'AGRIFRPP882', 'Référence à indiquer sur le virement',
      ]) expect(text, mention).toContain(mention);
    }));

  it('names the commitment number, service code and public-procurement clauses for a town hall', () =>
    withDir(async (dir) => {
      const text = pdfText(await renderInvoicePdf(invoiceDocument({ buyer: townHall, lines: voucherLines }), 'fr'), dir, 'public.pdf');
      for (const mention of ['Numéro d’engagement', 'EJ-2026-004512', 'Code service', 'SERV-FETES', 'Commune de Montivilliers', 'SIRET 21764470700010', 'majoré de 8 points', 'R. 2192-31', 'D. 2192-35', '40 €']) {
        expect(text, mention).toContain(mention);
      }
      expect(text).not.toContain('20 %');
    }));

  it('speaks English', () =>
    withDir(async (dir) => {
      const text = pdfText(await renderInvoicePdf(invoiceDocument(), 'en'), dir, 'en.pdf');
      for (const mention of ['INVOICE', 'Issue date', '2 March 2026', 'Due date', 'Multi-purpose vouchers', 'face value €20.00', 'Out of scope', 'VAT 20% on €150.00', 'Amount due', '€5,180.00', '€40', 'No discount for early payment']) {
        expect(text, mention).toContain(mention);
      }
    }));

  it('shows an invoice paid before issue as paid: the amount already paid, 0 to pay, the day the money arrived', () =>
    withDir(async (dir) => {
      const flat = (s: string) => s.replace(/\s+/g, ' ');
      const fr = flat(pdfText(await renderInvoicePdf(paidInvoiceDocument({ seller: companySeller }), 'fr'), dir, 'paid-fr.pdf'));
      for (const mention of ['Total TTC 5 180,00 €', 'Déjà payé -5 180,00 €', 'Net à payer 0,00 €', 'Facture acquittée le 27 février 2026', 'Date d’émission 2 mars 2026']) {
        expect(fr, mention).toContain(mention);
      }
      expect(fr).not.toContain('Net à payer 5 180,00 €');
      const en = flat(pdfText(await renderInvoicePdf(paidInvoiceDocument(), 'en'), dir, 'paid-en.pdf'));
      for (const mention of ['Already paid -€5,180.00', 'Amount due €0.00', 'Invoice paid on 27 February 2026']) expect(en, mention).toContain(mention);
      // An invoice stored before the paid amount was kept reads the same: « acquittée » meant paid in full.
      const stored = invoiceDocument({ seller: companySeller, issueDate: '2026-03-02', dueDate: '2026-03-02', paidDate: '2026-02-27' });
      expect(flat(pdfText(await renderInvoicePdf(stored, 'fr'), dir, 'stored.pdf'))).toContain('Déjà payé -5 180,00 € Net à payer 0,00 €');
    }));

  it('titles a pro-forma, carries the order reference and the transfer instructions, and no invoice number', () =>
    withDir(async (dir) => {
      const text = pdfText(await renderInvoicePdf(proformaDocument(), 'fr'), dir, 'proforma.pdf');
      for (const mention of ['FACTURE PRO FORMA', 'CMD-2026-0042', 'FR76 3000 6000 0112 3456 7890 189', 'Référence à indiquer sur le virement', 'n’est pas une facture', 'Net à payer']) {
        expect(text, mention).toContain(mention);
      }
      expect(text).not.toMatch(/FAC-\d{4}/);
    }));

  it('is a PDF/A-3b with embedded fonts, and breaks long orders over pages', () =>
    withDir(async (dir) => {
      const lines: InvoiceLine[] = Array.from({ length: 40 }, (_, i) => ({ kind: 'voucher', campaignName: `Campagne ${i + 1}`, faceValueCents: 1000 + i * 100, quantity: i + 1 }));
      const file = join(dir, 'long.pdf');
      writeFileSync(file, await renderInvoicePdf(invoiceDocument({ lines }), 'fr'));
      const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
      // Reading order (no -layout) keeps a wrapped description together.
      const flow = execFileSync('pdftotext', [file, '-']).toString().replace(/\s+/g, ' ');
      for (let i = 1; i <= 40; i++) expect(flow).toContain(`« Campagne ${i} »`);
      const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file]).toString())![1]);
      expect(pages).toBeGreaterThan(1);
      for (let p = 1; p <= pages; p++) expect(text).toContain(`Page ${p} / ${pages}`);
      expect(text.split('Désignation')).toHaveLength(pages + 1); // the table head is repeated on each page
      const meta = execFileSync('pdfinfo', ['-meta', file]).toString();
      expect(meta).toContain('<pdfaid:part>3</pdfaid:part>');
      expect(meta).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
      const fonts = execFileSync('pdffonts', [file]).toString().trim().split('\n').slice(2);
      expect(fonts.length).toBeGreaterThan(0);
      for (const f of fonts) expect(f).toMatch(/\s+yes\s+yes\s+yes\s+/);
    }));
});
