import { parseBeneficiaries, type BeneficiariesReport } from '../../domain/bulk/beneficiaries-csv';
import { isGiftEvent } from '../../domain/bulk/employer-gifts';
import { isAllowedAmount, type Campaign } from '../../domain/campaigns/campaign';
import { checkOrganisationBuyer } from '../../domain/orders/organisation-buyer';
import { MAX_ORDER_VOUCHERS } from '../../domain/orders/organisation-order';
import type { NewOrderInput } from '../../domain/orders/orders-service';
import { parseSiret } from '../../lib/identifiers';
import { isPlainText } from '../../lib/plain-text';
import { parseEuroAmount } from '../../lib/money';
import { BUYER_MAX_LENGTH as API, emailSchema, PHONE_PATTERN } from '../api/schemas';
import type { UploadedFile } from './multipart';

/**
 * The organisation order form → the same input the JSON API gives createOrder. Field names
 * are the domain's (`buyer.siret`, `buyer.address.postalCode`…), so the domain's own field
 * errors land beside the right input. Errors are message keys (+ params), translated later.
 */

export const FREE_LINES = 3;
export const FILE_FIELD = 'beneficiaries';

export const F = {
  type: 'buyer.type',
  organisation: 'buyer.organisation',
  siret: 'buyer.siret',
  vatNumber: 'buyer.vatNumber',
  street: 'buyer.address.lines',
  postalCode: 'buyer.address.postalCode',
  city: 'buyer.address.city',
  name: 'buyer.name',
  email: 'buyer.email',
  phone: 'buyer.phone',
  purchaseOrder: 'buyer.purchaseOrder',
  serviceCode: 'buyer.serviceCode',
} as const;
export type TextField = keyof typeof F;

/**
 * Longest accepted value of each text field: the JSON API's bounds; the type, postal code,
 * email and phone, which the API checks by their shape, get caps of their own.
 */
export const MAX_LENGTH: Record<TextField, number> = {
  type: 20, organisation: API.organisation, siret: API.siret, vatNumber: API.vatNumber, street: API.addressLine, postalCode: 10, city: API.city,
  name: API.name, email: 254, phone: 20, purchaseOrder: API.purchaseOrder, serviceCode: API.serviceCode,
};

export interface FieldError {
  key: string;
  params?: Record<string, string | number>;
}

export interface OrgFormValues {
  text: Record<TextField, string>;
  source: 'amounts' | 'file';
  /** Quantity typed per denomination, by cents. */
  quantities: Record<number, string>;
  freeLines: { amount: string; quantity: string }[];
  giftEvent: string;
  ceilingAcknowledged: boolean;
  paymentMethod: string;
}

export interface ParsedOrgForm {
  values: OrgFormValues;
  errors: Record<string, FieldError>;
  /** The file's problems, row by row (the file was refused as a whole). */
  csvReport: Extract<BeneficiariesReport, { ok: false }> | null;
  /** A file read without error (shown when something else must be fixed: it has to be chosen again). */
  fileSummary: { filename: string; count: number; totalCents: number } | null;
  input: Omit<NewOrderInput, 'campaignSlug' | 'locale'> | null;
}

type Fields = Map<string, string[]>;
const first = (fields: Fields, name: string) => fields.get(name)?.[0] ?? '';

export function emptyValues(campaign: Campaign): OrgFormValues {
  return {
    text: Object.fromEntries(Object.keys(F).map((k) => [k, k === 'type' ? 'company' : ''])) as Record<TextField, string>,
    source: 'amounts',
    quantities: Object.fromEntries(campaign.denominationsCents.map((c) => [c, ''])),
    freeLines: Array.from({ length: FREE_LINES }, () => ({ amount: '', quantity: '' })),
    giftEvent: '',
    ceilingAcknowledged: false,
    paymentMethod: 'bank_transfer',
  };
}

export function parseOrgForm(fields: Fields, truncated: Set<string>, campaign: Campaign, file: UploadedFile | null): ParsedOrgForm {
  const errors: Record<string, FieldError> = {};
  const fail = (name: string, key: string, params?: FieldError['params']) => {
    errors[name] ??= params ? { key, params } : { key };
  };
  const text = Object.fromEntries((Object.keys(F) as TextField[]).map((k) => [k, first(fields, F[k]).slice(0, MAX_LENGTH[k] + 1)])) as Record<TextField, string>;
  const values: OrgFormValues = {
    text,
    source: first(fields, 'voucherSource') === 'file' ? 'file' : 'amounts',
    quantities: Object.fromEntries(campaign.denominationsCents.map((c) => [c, first(fields, `qty_${c}`).slice(0, 10)])),
    freeLines: Array.from({ length: FREE_LINES }, (_, i) => ({ amount: first(fields, `free_amount_${i}`).slice(0, 20), quantity: first(fields, `free_qty_${i}`).slice(0, 10) })),
    giftEvent: first(fields, 'giftEvent').slice(0, 40),
    ceilingAcknowledged: first(fields, 'ceilingAcknowledged') === '1',
    paymentMethod: first(fields, 'paymentMethod'),
  };

  for (const k of Object.keys(F) as TextField[]) {
    if (text[k].trim().length > MAX_LENGTH[k] || truncated.has(F[k])) fail(F[k], 'errors.too_long');
    // As in the JSON API: control and bidi characters would reach the pro-forma, mails and the organisation's page.
    else if (!isPlainText(text[k])) fail(F[k], 'errors.invalid_chars');
  }
  const type = text.type === 'company' || text.type === 'municipality' ? text.type : null;
  if (!type) fail(F.type, 'org_form.type_required');
  if (!text.name.trim()) fail(F.name, 'errors.required');
  const email = emailSchema.safeParse(text.email);
  if (!email.success) fail(F.email, 'errors.email');
  const phone = text.phone.trim();
  if (phone && !PHONE_PATTERN.test(phone)) fail(F.phone, 'errors.phone');

  const municipal = type === 'municipality';
  const buyer = {
    organisation: text.organisation,
    siret: text.siret,
    vatNumber: text.vatNumber.trim() || undefined,
    // Commitment number and Chorus Pro service code belong to public bodies' invoices only.
    purchaseOrder: municipal ? text.purchaseOrder.trim() || undefined : undefined,
    serviceCode: municipal ? text.serviceCode.trim() || undefined : undefined,
    address: { lines: [text.street], postalCode: text.postalCode, city: text.city },
  };
  const checked = checkOrganisationBuyer({ type: type ?? 'company', ...buyer });
  if (!checked.ok) {
    for (const [name, key] of Object.entries(checked.fields)) fail(name, key);
    // "14 digits" would mislead when 14 digits were typed but one of them is wrong.
    if (errors[F.siret]?.key === 'errors.siret') {
      const siret = parseSiret(text.siret);
      if (!siret.ok && siret.reason === 'bad_check') errors[F.siret] = { key: 'org_form.siret_check' };
    }
  }

  const vouchers = values.source === 'file' ? fromFile(file, campaign, fail) : fromAmounts(values, campaign, fail);
  const count = vouchers.items.reduce((n, i) => n + i.quantity, 0);
  if (!Object.keys(errors).some((k) => k === FILE_FIELD || /^(qty|free)_/.test(k))) {
    if (vouchers.items.length === 0 && !vouchers.csvReport) fail('items', 'errors.no_items');
    else if (count > maxVouchers(campaign)) fail('items', 'org_form.too_many_vouchers', { max: maxVouchers(campaign) });
  }

  const paymentMethod = values.paymentMethod === 'card' || values.paymentMethod === 'bank_transfer' ? values.paymentMethod : null;
  if (!paymentMethod) fail('paymentMethod', 'org_form.payment_required');
  const company = type === 'company';
  if (company && values.giftEvent && !isGiftEvent(values.giftEvent)) fail('giftEvent', 'errors.gift_event');

  const result = { values, errors, csvReport: vouchers.csvReport, fileSummary: vouchers.fileSummary, input: null };
  if (Object.keys(errors).length || !type || !paymentMethod || !email.success) return result;
  return {
    ...result,
    input: {
      buyer: { type, name: text.name.trim(), email: email.data, ...(phone ? { phone } : {}), ...buyer },
      items: vouchers.items,
      paymentMethod,
      ...(company && values.giftEvent ? { giftEvent: values.giftEvent } : {}),
      ...(company && values.ceilingAcknowledged ? { ceilingAcknowledged: true } : {}),
    },
  };
}

type Fail = (name: string, key: string, params?: FieldError['params']) => void;
type Item = NewOrderInput['items'][number];
interface Vouchers {
  items: Item[];
  csvReport: ParsedOrgForm['csvReport'];
  fileSummary: ParsedOrgForm['fileSummary'];
}

const QUANTITY = /^\d{1,5}$/;

/** The campaign's ceiling on an organisation's order (checkOrder enforces it again on every path). */
const maxVouchers = (campaign: Campaign) => Math.min(campaign.maxVouchersPerOrgOrder, MAX_ORDER_VOUCHERS);

function fromAmounts(values: OrgFormValues, campaign: Campaign, fail: Fail): Vouchers {
  const items: Item[] = [];
  for (const amountCents of campaign.denominationsCents) {
    const raw = (values.quantities[amountCents] ?? '').trim();
    if (raw === '' || raw === '0') continue;
    if (!QUANTITY.test(raw) || Number(raw) > MAX_ORDER_VOUCHERS) fail(`qty_${amountCents}`, 'org_form.quantity', { max: MAX_ORDER_VOUCHERS });
    else items.push({ amountCents, quantity: Number(raw) });
  }
  for (const [i, line] of values.freeLines.entries()) {
    if (line.amount.trim() === '') continue;
    const amountCents = parseEuroAmount(line.amount);
    if (amountCents === null) fail(`free_amount_${i}`, 'errors.amount_format');
    else if (!isAllowedAmount(campaign, amountCents)) fail(`free_amount_${i}`, 'org_form.amount_range', { minCents: campaign.minAmountCents, maxCents: campaign.maxAmountCents });
    const rawQty = line.quantity.trim() || '1';
    const quantity = QUANTITY.test(rawQty) ? Number(rawQty) : NaN;
    if (!(quantity >= 1 && quantity <= MAX_ORDER_VOUCHERS)) fail(`free_qty_${i}`, 'org_form.quantity', { max: MAX_ORDER_VOUCHERS });
    else if (amountCents !== null) items.push({ amountCents, quantity });
  }
  return { items, csvReport: null, fileSummary: null };
}

function fromFile(file: UploadedFile | null, campaign: Campaign, fail: Fail): Vouchers {
  const none = { items: [], csvReport: null, fileSummary: null };
  if (!file) {
    fail(FILE_FIELD, 'org_form.file_required');
    return none;
  }
  const report = parseBeneficiaries(file.bytes, { minCents: campaign.minAmountCents, maxCents: campaign.maxAmountCents, maxRows: maxVouchers(campaign), allowedCents: null });
  if (!report.ok) {
    fail(FILE_FIELD, 'org_form.file_has_errors');
    return { ...none, csvReport: report };
  }
  return {
    items: report.rows.map((r) => ({
      amountCents: r.amountCents,
      quantity: 1,
      recipientName: r.name,
      ...(r.email ? { recipientEmail: r.email } : {}),
      ...(r.message ? { message: r.message } : {}),
    })),
    csvReport: null,
    fileSummary: { filename: file.filename, count: report.count, totalCents: report.totalCents },
  };
}
