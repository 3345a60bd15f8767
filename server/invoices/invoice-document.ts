import { parseBic, parseChorusServiceCode, parseCommitmentNumber, parseIban, parseSiren, parseSiret, parseVatNumber } from '../lib/identifiers';
import { cents, percentOf } from '../lib/money';

/**
 * Invoices and pro-formas for bulk orders by companies and town halls: the data a
 * document is drawn from, and its totals. Pure: no I/O, no clock, amounts in integer cents.
 *
 * Two kinds of lines:
 * - multi-purpose vouchers (« bons à usages multiples »), sold at face value. Their sale is
 *   outside the scope of VAT (art. 256 ter, 2 of the CGI; art. 30 ter of directive
 *   2006/112/EC as amended by directive 2016/1065): VAT is due later, by the shop, when a
 *   voucher pays for goods. EN 16931 category "O" (not subject to VAT), no rate;
 * - an optional service fee, a taxable service (category "S", rate as data, 20 % today).
 *
 * Rounding (EN 16931 BR-CO-17 and French practice): line amounts are exact (quantity ×
 * unit price in cents); VAT is computed once per rate on the sum of that rate's lines and
 * rounded half away from zero to the cent. Totals are plain sums, so Σ lines = total HT and
 * total HT + Σ VAT = total TTC hold exactly.
 */

export type VatCategory = 'O' | 'S';

export interface PostalAddress {
  /** One to three street lines (BT-35..BT-37). */
  lines: string[];
  postcode: string;
  city: string;
  /** ISO 3166-1 alpha-2, "FR" for all buyers so far. */
  countryCode: string;
}

/** The operator issuing the invoice (chamber of commerce, town, shop association). */
export interface Seller {
  legalName: string;
  tradingName?: string;
  address: PostalAddress;
  siren: string;
  siret: string;
  /** Intra-community VAT number, e.g. FR40123456824. */
  vatNumber: string;
  /** Mandatory for companies (art. R. 123-237 of the code de commerce), absent for public bodies. */
  legalForm?: string;
  shareCapitalCents?: number;
  /** e.g. "RCS Le Havre". */
  rcs?: string;
  iban: string;
  bic: string;
  email?: string;
  phone?: string;
}

export interface BuyerContact {
  name?: string;
  email?: string;
  phone?: string;
}

interface BuyerBase {
  name: string;
  address: PostalAddress;
  siret: string;
  vatNumber?: string;
  contact?: BuyerContact;
  /** BT-13: the buyer's purchase order, for a public body its commitment number (« numéro d'engagement »). */
  purchaseOrderReference?: string;
}

export interface CompanyBuyer extends BuyerBase {
  kind: 'company';
}

export interface PublicBuyer extends BuyerBase {
  kind: 'public';
  /** BT-10: the Chorus Pro service code (« code service ») of the receiving department. */
  serviceCode?: string;
}

export type Buyer = CompanyBuyer | PublicBuyer;

export interface VoucherLine {
  kind: 'voucher';
  campaignName: string;
  faceValueCents: number;
  quantity: number;
}

export interface ServiceFeeLine {
  kind: 'service_fee';
  /** Free text shown after the standard description, e.g. "3 % of the vouchers' value". */
  detail?: string;
  quantity: number;
  /** Price excluding VAT. */
  unitCents: number;
  /** VAT rate in basis points: 2000 = 20 %. */
  vatRateBp: number;
}

export type InvoiceLine = VoucherLine | ServiceFeeLine;

export interface InvoiceDocument {
  /** A pro-forma has the invoice's layout but no number: it asks for the transfer that precedes issuing. */
  proforma: boolean;
  /** FAC-2026-000123; null on a pro-forma. */
  number: string | null;
  /** Our order reference (BT-14), shown on both documents. */
  orderReference: string;
  /** Calendar dates, YYYY-MM-DD. */
  issueDate: string;
  dueDate: string;
  /** When the vouchers were (or will be) issued; defaults to the issue date. */
  deliveryDate?: string;
  currency: 'EUR';
  seller: Seller;
  buyer: Buyer;
  lines: InvoiceLine[];
  /** Free text replacing the standard payment terms sentence. */
  paymentTerms?: string;
  /**
   * YYYY-MM-DD when the invoice was paid before it was issued (« acquittée le … »): the day
   * the payment that completed it was received (a transfer's value date as the operator
   * recorded it, a card payment's confirmation), not the day it was booked.
   */
  paidDate?: string;
  /**
   * BT-113, what the buyer had paid when the invoice was issued, in cents. Documents stored
   * before this field existed leave it out: they were all issued paid in full when they
   * carry `paidDate` (see paidAmountCents), so they still render as issued, with 0 to pay.
   */
  paidCents?: number;
  /** Late-payment rate for companies: the ECB refinancing rate plus this many points (public buyers: 8 by law). */
  latePenaltyPoints: number;
  /** What the buyer writes on the bank transfer (BT-83): the invoice number, or the order reference on a pro-forma. */
  transferReference: string;
}

export interface LineAmounts {
  category: VatCategory;
  /** null for category O, which carries no rate. */
  rateBp: number | null;
  quantity: number;
  unitCents: number;
  netCents: number;
}

export interface VatGroup {
  category: VatCategory;
  rateBp: number | null;
  baseCents: number;
  vatCents: number;
}

export interface InvoiceTotals {
  lines: LineAmounts[];
  /** One group per (category, rate): O first, then rates ascending. */
  vat: VatGroup[];
  netCents: number;
  vatCents: number;
  grossCents: number;
  /** BT-113: paid before the invoice was issued (0 on a pro-forma or an unpaid invoice). */
  paidCents: number;
  /** BT-115 = gross − paid (BR-CO-16; no rounding amount on these documents). */
  dueCents: number;
}

function safe(n: number): number {
  if (!Number.isSafeInteger(n)) throw new RangeError(`amount out of range: ${n}`);
  return n;
}

/** VAT on a base at a rate in basis points, rounded half away from zero to the cent. */
export function vatOn(baseCents: number, rateBp: number): number {
  return percentOf(cents(baseCents), rateBp);
}

export function lineAmounts(line: InvoiceLine): LineAmounts {
  if (line.kind === 'voucher') {
    return { category: 'O', rateBp: null, quantity: line.quantity, unitCents: line.faceValueCents, netCents: safe(line.quantity * line.faceValueCents) };
  }
  return { category: 'S', rateBp: line.vatRateBp, quantity: line.quantity, unitCents: line.unitCents, netCents: safe(line.quantity * line.unitCents) };
}

export function computeTotals(lines: readonly InvoiceLine[], paidCents = 0): InvoiceTotals {
  const amounts = lines.map(lineAmounts);
  const groups = new Map<string, VatGroup>();
  for (const a of amounts) {
    const key = `${a.category}:${a.rateBp ?? ''}`;
    const g = groups.get(key) ?? { category: a.category, rateBp: a.rateBp, baseCents: 0, vatCents: 0 };
    g.baseCents = safe(g.baseCents + a.netCents);
    groups.set(key, g);
  }
  const vat = [...groups.values()]
    .map((g) => ({ ...g, vatCents: g.rateBp === null ? 0 : vatOn(g.baseCents, g.rateBp) }))
    .sort((x, y) => (x.rateBp ?? -1) - (y.rateBp ?? -1));
  const netCents = safe(amounts.reduce((s, a) => s + a.netCents, 0));
  const vatCents = safe(vat.reduce((s, g) => s + g.vatCents, 0));
  const grossCents = safe(netCents + vatCents);
  return { lines: amounts, vat, netCents, vatCents, grossCents, paidCents: safe(paidCents), dueCents: safe(grossCents - paidCents) };
}

/** What the document says was already paid: its `paidCents`, or for a document stored without it, the whole total when it says « acquittée ». */
export function paidAmountCents(doc: Pick<InvoiceDocument, 'proforma' | 'paidDate' | 'paidCents' | 'lines'>): number {
  if (doc.proforma) return 0;
  if (doc.paidCents !== undefined) return doc.paidCents;
  return doc.paidDate ? computeTotals(doc.lines).grossCents : 0;
}

/** The totals of a document, what was paid and what is left to pay included. */
export function documentTotals(doc: InvoiceDocument): InvoiceTotals {
  return computeTotals(doc.lines, paidAmountCents(doc));
}

/** Paid in full before issue: 0 to pay (Chorus Pro's « facture déjà payée » frame for a public buyer). */
export const isPaidInFull = (t: Pick<InvoiceTotals, 'paidCents' | 'dueCents'>) => t.paidCents > 0 && t.dueCents === 0;

/** "FAC-2026-000123": the year of issue and a gap-free sequence number kept by the caller. */
export function formatInvoiceNumber(year: number, sequence: number): string {
  return `FAC-${year}-${String(sequence).padStart(6, '0')}`;
}

export const INVOICE_NUMBER = /^FAC-\d{4}-\d{6,}$/;

export type InvoiceProblem =
  | 'no_lines'
  | 'bad_quantity'
  | 'bad_amount'
  | 'bad_vat_rate'
  | 'bad_paid_amount'
  | 'missing_number'
  | 'unexpected_number'
  | 'bad_date'
  | 'due_before_issue'
  | 'bad_siren'
  | 'bad_siret'
  | 'bad_vat_number'
  | 'bad_iban'
  | 'bad_bic'
  | 'bad_purchase_order'
  | 'bad_service_code';

export type InvoiceCheck = { ok: true } | { ok: false; reason: InvoiceProblem; field: string };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A real day: Date.parse would roll 30 February over into March. */
const calendarDate = (v: string) => DATE.test(v) && !Number.isNaN(Date.parse(v)) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;
type Parser = (input: string) => { ok: true; value: string } | { ok: false };

/** Documents hold identifiers in canonical form (as server/lib/identifiers.ts normalises them). */
const canonical = (parse: Parser, value: string) => {
  const r = parse(value);
  return r.ok && r.value === value;
};

function checkLines(lines: readonly InvoiceLine[]): InvoiceCheck {
  if (lines.length === 0) return { ok: false, reason: 'no_lines', field: 'lines' };
  for (const [i, l] of lines.entries()) {
    const unit = l.kind === 'voucher' ? l.faceValueCents : l.unitCents;
    if (!Number.isSafeInteger(l.quantity) || l.quantity <= 0) return { ok: false, reason: 'bad_quantity', field: `lines.${i}` };
    if (!Number.isSafeInteger(unit) || unit <= 0) return { ok: false, reason: 'bad_amount', field: `lines.${i}` };
    if (l.kind === 'service_fee' && !(Number.isInteger(l.vatRateBp) && l.vatRateBp > 0 && l.vatRateBp <= 10_000)) return { ok: false, reason: 'bad_vat_rate', field: `lines.${i}` };
  }
  return { ok: true };
}

function checkIdentifiers(doc: InvoiceDocument): InvoiceCheck {
  const { seller, buyer } = doc;
  const checks: [boolean, InvoiceProblem, string][] = [
    [canonical(parseSiren, seller.siren), 'bad_siren', 'seller.siren'],
    [canonical(parseSiret, seller.siret) && seller.siret.startsWith(seller.siren), 'bad_siret', 'seller.siret'],
    [canonical(parseVatNumber, seller.vatNumber), 'bad_vat_number', 'seller.vatNumber'],
    [canonical(parseIban, seller.iban), 'bad_iban', 'seller.iban'],
    [canonical(parseBic, seller.bic), 'bad_bic', 'seller.bic'],
    [canonical(parseSiret, buyer.siret), 'bad_siret', 'buyer.siret'],
    [buyer.vatNumber === undefined || canonical(parseVatNumber, buyer.vatNumber), 'bad_vat_number', 'buyer.vatNumber'],
    [buyer.purchaseOrderReference === undefined || canonical(parseCommitmentNumber, buyer.purchaseOrderReference), 'bad_purchase_order', 'buyer.purchaseOrderReference'],
    [buyer.kind !== 'public' || buyer.serviceCode === undefined || canonical(parseChorusServiceCode, buyer.serviceCode), 'bad_service_code', 'buyer.serviceCode'],
  ];
  const failed = checks.find(([ok]) => !ok);
  return failed ? { ok: false, reason: failed[1], field: failed[2] } : { ok: true };
}

/** What a document must satisfy before it is drawn; the renderers refuse anything else. */
export function checkInvoiceDocument(doc: InvoiceDocument): InvoiceCheck {
  if (doc.proforma && doc.number !== null) return { ok: false, reason: 'unexpected_number', field: 'number' };
  if (!doc.proforma && (doc.number === null || !INVOICE_NUMBER.test(doc.number))) return { ok: false, reason: 'missing_number', field: 'number' };
  for (const f of ['issueDate', 'dueDate', 'deliveryDate', 'paidDate'] as const) {
    const v = doc[f];
    if (v !== undefined && !calendarDate(v)) return { ok: false, reason: 'bad_date', field: f };
  }
  if (doc.dueDate < doc.issueDate) return { ok: false, reason: 'due_before_issue', field: 'dueDate' };
  const lines = checkLines(doc.lines);
  if (!lines.ok) return lines;
  // A pro-forma asks for money: nothing is paid on it. An invoice is paid at most in full (an overpayment is refunded, not invoiced).
  const paid = doc.paidCents;
  if (paid !== undefined && (doc.proforma || !Number.isSafeInteger(paid) || paid < 0 || paid > computeTotals(doc.lines).grossCents)) return { ok: false, reason: 'bad_paid_amount', field: 'paidCents' };
  return checkIdentifiers(doc);
}

export function assertInvoiceDocument(doc: InvoiceDocument): void {
  const check = checkInvoiceDocument(doc);
  if (!check.ok) throw new Error(`invalid invoice document: ${check.reason} (${check.field})`);
}
