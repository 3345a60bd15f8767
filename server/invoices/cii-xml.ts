import { translate } from '../lib/i18n';
import { decimalAmount } from '../lib/money';
import { escapeXml } from '../lib/xml';
import { computeTotals, documentTotals, isPaidInFull, type Buyer, type InvoiceDocument, type PostalAddress } from './invoice-document';
import { lineDescription, paymentClauses, sellerLegalMentions } from './invoice-texts';

/**
 * The UN/CEFACT Cross Industry Invoice (D16B) of an invoice, profile EN 16931 as Factur-X
 * 1.0 restricts it, for Chorus Pro. Elements follow the XSD's sequences; amounts carry no
 * currencyID except the VAT total (rule CII-DT-031 of the CII syntax binding).
 *
 * Chorus Pro mapping: BT-10 BuyerReference = service code, BT-13 BuyerOrderReferencedDocument
 * = commitment number, buyer SIRET under ISO 6523 scheme 0009 both as BT-46 (identifier)
 * and BT-47 (legal registration), seller SIRET as BT-30, and BT-23 the Chorus Pro billing
 * frame (« cadre de facturation »): "A2" (« dépôt par un fournisseur d'une facture déjà
 * payée ») when the invoice was paid in full before it was issued, which is how every order
 * invoice is issued today, else "A1" (« dépôt par un fournisseur d'une facture »). Source:
 * AIFE, Dossier de spécifications externes Chorus Pro, annexe « Processus de facturation »
 * (the frames) and annexe EDI « Description des formats » (the CII path of the frame).
 * Texts are French, the language Chorus Pro and French public accountants read.
 *
 * A paid invoice carries BT-113 TotalPrepaidAmount = what was paid and BT-115
 * DuePayableAmount = total − paid (BR-CO-16), so an « acquittée » invoice asks for 0.
 *
 * Category O (vouchers) brings EN 16931's BR-O rules: no seller or buyer VAT identifier
 * (BR-O-02) and no other VAT category on the same invoice (BR-O-11..14). facturx.ts refuses
 * documents that mix vouchers and fees before this is called.
 */

interface XmlNode {
  name: string;
  attrs?: Record<string, string>;
  text?: string;
  /** Falsy entries are left out, so an optional element reads `value && text(...)`. */
  children?: (XmlNode | null | undefined | false | '')[];
}

const NS = {
  'xmlns:rsm': 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100',
  'xmlns:qdt': 'urn:un:unece:uncefact:data:standard:QualifiedDataType:100',
  'xmlns:ram': 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100',
  'xmlns:udt': 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100',
};

const FR = 'fr';

function serialize(node: XmlNode, indent = ''): string {
  const attrs = Object.entries(node.attrs ?? {}).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  const children = (node.children ?? []).filter((c): c is XmlNode => Boolean(c));
  if (children.length === 0) return `${indent}<${node.name}${attrs}>${escapeXml(node.text ?? '')}</${node.name}>\n`;
  return `${indent}<${node.name}${attrs}>\n${children.map((c) => serialize(c, `${indent}  `)).join('')}${indent}</${node.name}>\n`;
}

const el = (name: string, children: XmlNode['children'], attrs?: Record<string, string>): XmlNode => ({ name, children, attrs });
/**
 * Intl's no-break spaces (French amounts) become plain ones: the XML is data, not
 * typography. Characters XML 1.0 cannot carry (controls pasted into a name) are dropped.
 */
const text = (name: string, value: string, attrs?: Record<string, string>): XmlNode => ({
  name,
  text: value.replace(/[\u202f\u00a0]/g, ' ').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, ''),
  attrs,
});

/** 2026-11-23 → 23/11/2026. */
const frenchDate = (d: string) => d.split('-').reverse().join('/');

/** 123456 cents → "1234.56"; 2000 basis points → "20.00" (a percentage, hundredths too). */
const xmlDecimal = (n: number) => decimalAmount(n, '.');

const date102 = (name: string, ymd: string) => el(name, [text('udt:DateTimeString', ymd.replace(/-/g, ''), { format: '102' })]);

function address(a: PostalAddress): XmlNode {
  return el('ram:PostalTradeAddress', [
    text('ram:PostcodeCode', a.postcode),
    a.lines[0] !== undefined && text('ram:LineOne', a.lines[0]),
    a.lines[1] !== undefined && text('ram:LineTwo', a.lines[1]),
    a.lines[2] !== undefined && text('ram:LineThree', a.lines.slice(2).join(', ')),
    text('ram:CityName', a.city),
    text('ram:CountryID', a.countryCode),
  ]);
}

function sellerParty(doc: InvoiceDocument, withVat: boolean): XmlNode {
  const s = doc.seller;
  const info = sellerLegalMentions(s, FR).join(' – ');
  const contact = s.email || s.phone;
  return el('ram:SellerTradeParty', [
    text('ram:Name', s.legalName),
    info && text('ram:Description', info),
    el('ram:SpecifiedLegalOrganization', [text('ram:ID', s.siret, { schemeID: '0009' }), s.tradingName && text('ram:TradingBusinessName', s.tradingName)]),
    contact && el('ram:DefinedTradeContact', [s.phone && el('ram:TelephoneUniversalCommunication', [text('ram:CompleteNumber', s.phone)]), s.email && el('ram:EmailURIUniversalCommunication', [text('ram:URIID', s.email)])]),
    address(s.address),
    withVat && el('ram:SpecifiedTaxRegistration', [text('ram:ID', s.vatNumber, { schemeID: 'VA' })]),
  ]);
}

function buyerParty(b: Buyer, withVat: boolean): XmlNode {
  const c = b.contact;
  return el('ram:BuyerTradeParty', [
    text('ram:GlobalID', b.siret, { schemeID: '0009' }),
    text('ram:Name', b.name),
    el('ram:SpecifiedLegalOrganization', [text('ram:ID', b.siret, { schemeID: '0009' })]),
    c && (c.name || c.phone || c.email) && el('ram:DefinedTradeContact', [
      c.name && text('ram:PersonName', c.name),
      c.phone && el('ram:TelephoneUniversalCommunication', [text('ram:CompleteNumber', c.phone)]),
      c.email && el('ram:EmailURIUniversalCommunication', [text('ram:URIID', c.email)]),
    ]),
    address(b.address),
    withVat && b.vatNumber && el('ram:SpecifiedTaxRegistration', [text('ram:ID', b.vatNumber, { schemeID: 'VA' })]),
  ]);
}

function tradeLines(doc: InvoiceDocument): XmlNode[] {
  const totals = computeTotals(doc.lines);
  return doc.lines.map((line, i) => {
    const a = totals.lines[i]!;
    return el('ram:IncludedSupplyChainTradeLineItem', [
      el('ram:AssociatedDocumentLineDocument', [text('ram:LineID', String(i + 1))]),
      el('ram:SpecifiedTradeProduct', [text('ram:Name', lineDescription(line, FR))]),
      el('ram:SpecifiedLineTradeAgreement', [el('ram:NetPriceProductTradePrice', [text('ram:ChargeAmount', xmlDecimal(a.unitCents))])]),
      el('ram:SpecifiedLineTradeDelivery', [text('ram:BilledQuantity', String(a.quantity), { unitCode: 'C62' })]),
      el('ram:SpecifiedLineTradeSettlement', [
        el('ram:ApplicableTradeTax', [text('ram:TypeCode', 'VAT'), text('ram:CategoryCode', a.category), a.rateBp !== null && text('ram:RateApplicablePercent', xmlDecimal(a.rateBp))]),
        el('ram:SpecifiedTradeSettlementLineMonetarySummation', [text('ram:LineTotalAmount', xmlDecimal(a.netCents))]),
      ]),
    ]);
  });
}

/** BT-21/BT-22 notes with the subject codes French rules expect: PMD penalties, PMT recovery fee, AAB discount. */
function notes(doc: InvoiceDocument): XmlNode[] {
  const c = paymentClauses(doc, FR);
  return ([['PMD', c.penalties], ['PMT', c.recoveryFee], ['AAB', c.discount]] as const).map(([code, content]) =>
    el('ram:IncludedNote', [text('ram:Content', content), text('ram:SubjectCode', code)]),
  );
}

function headerAgreement(doc: InvoiceDocument, withVat: boolean): XmlNode {
  const b = doc.buyer;
  return el('ram:ApplicableHeaderTradeAgreement', [
    b.kind === 'public' && b.serviceCode && text('ram:BuyerReference', b.serviceCode),
    sellerParty(doc, withVat),
    buyerParty(b, withVat),
    el('ram:SellerOrderReferencedDocument', [text('ram:IssuerAssignedID', doc.orderReference)]),
    b.purchaseOrderReference && el('ram:BuyerOrderReferencedDocument', [text('ram:IssuerAssignedID', b.purchaseOrderReference)]),
  ]);
}

function headerSettlement(doc: InvoiceDocument): XmlNode {
  const m = documentTotals(doc);
  return el('ram:ApplicableHeaderTradeSettlement', [
    text('ram:PaymentReference', doc.transferReference),
    text('ram:InvoiceCurrencyCode', doc.currency),
    el('ram:SpecifiedTradeSettlementPaymentMeans', [
      text('ram:TypeCode', '30'),
      el('ram:PayeePartyCreditorFinancialAccount', [text('ram:IBANID', doc.seller.iban), text('ram:AccountName', doc.seller.legalName)]),
      el('ram:PayeeSpecifiedCreditorFinancialInstitution', [text('ram:BICID', doc.seller.bic)]),
    ]),
    ...m.vat.map((g) => el('ram:ApplicableTradeTax', [
      text('ram:CalculatedAmount', xmlDecimal(g.vatCents)),
      text('ram:TypeCode', 'VAT'),
      g.category === 'O' && text('ram:ExemptionReason', translate(FR, 'invoice.vat_exemption_reason')),
      text('ram:BasisAmount', xmlDecimal(g.baseCents)),
      text('ram:CategoryCode', g.category),
      g.category === 'O' && text('ram:ExemptionReasonCode', 'VATEX-EU-O'),
      g.rateBp !== null && text('ram:RateApplicablePercent', xmlDecimal(g.rateBp)),
    ])),
    el('ram:SpecifiedTradePaymentTerms', [
      text('ram:Description', doc.paymentTerms ?? (doc.paidDate ? translate(FR, 'invoice.paid_on', { date: frenchDate(doc.paidDate) }) : translate(FR, 'invoice.payment_terms', { date: frenchDate(doc.dueDate) }))),
      date102('ram:DueDateDateTime', doc.dueDate),
    ]),
    el('ram:SpecifiedTradeSettlementHeaderMonetarySummation', [
      text('ram:LineTotalAmount', xmlDecimal(m.netCents)),
      text('ram:TaxBasisTotalAmount', xmlDecimal(m.netCents)),
      text('ram:TaxTotalAmount', xmlDecimal(m.vatCents), { currencyID: doc.currency }),
      text('ram:GrandTotalAmount', xmlDecimal(m.grossCents)),
      m.paidCents > 0 && text('ram:TotalPrepaidAmount', xmlDecimal(m.paidCents)),
      text('ram:DuePayableAmount', xmlDecimal(m.dueCents)),
    ]),
  ]);
}

/** BT-23 for Chorus Pro: A2 for an invoice already paid in full, A1 for one still to pay. */
export function chorusFrame(doc: InvoiceDocument): 'A1' | 'A2' {
  return isPaidInFull(documentTotals(doc)) ? 'A2' : 'A1';
}

/** The factur-x.xml of an invoice (not a pro-forma: EN 16931 has no such document type). */
export function buildCiiXml(doc: InvoiceDocument): string {
  const hasO = doc.lines.some((l) => l.kind === 'voucher');
  const root = el('rsm:CrossIndustryInvoice', [
    el('rsm:ExchangedDocumentContext', [
      doc.buyer.kind === 'public' && el('ram:BusinessProcessSpecifiedDocumentContextParameter', [text('ram:ID', chorusFrame(doc))]),
      el('ram:GuidelineSpecifiedDocumentContextParameter', [text('ram:ID', 'urn:cen.eu:en16931:2017')]),
    ]),
    el('rsm:ExchangedDocument', [text('ram:ID', doc.number ?? ''), text('ram:TypeCode', '380'), date102('ram:IssueDateTime', doc.issueDate), ...notes(doc)]),
    el('rsm:SupplyChainTradeTransaction', [
      ...tradeLines(doc),
      headerAgreement(doc, !hasO),
      el('ram:ApplicableHeaderTradeDelivery', [el('ram:ActualDeliverySupplyChainEvent', [date102('ram:OccurrenceDateTime', doc.deliveryDate ?? doc.issueDate)])]),
      headerSettlement(doc),
    ]),
  ], NS);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${serialize(root)}`;
}
