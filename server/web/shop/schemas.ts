import { z } from 'zod';
import { parseEuroAmount } from '../../lib/money';
import { isPlainText } from '../../lib/plain-text';
import { plainText } from '../api/plain-text-schema';
import { isAllowedAmount, type Campaign } from '../../domain/campaigns/campaign';

export const MAX_FORM_LINES = 5;

const text = (max: number) => z.string().trim().max(max, { message: 'errors.too_long' });

export const buyerFormSchema = z.object({
  buyerName: text(120).min(1, { message: 'errors.required' }).pipe(plainText()),
  buyerEmail: z.string().trim().toLowerCase().pipe(z.email({ message: 'errors.email' })),
});

export interface FormLine {
  index: number;
  amount: string;
  custom: string;
  quantity: string;
  recipientName: string;
  message: string;
}

export interface ParsedOrderForm {
  values: { buyerName: string; buyerEmail: string; lines: FormLine[] };
  errors: Record<string, string>;
  input?: {
    buyer: { name: string; email: string };
    items: { amountCents: number; quantity: number; recipientName?: string; message?: string }[];
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * The order form posts flat fields (amount_0, custom_0, qty_0, recipient_0, message_0 …).
 * A line counts when an amount is chosen. Errors are i18n keys per field name, so the
 * page re-renders each message beside its field. With the campaign, amounts outside its
 * denominations and free range are refused here too.
 */
export function parseOrderForm(body: Record<string, unknown>, campaign?: Pick<Campaign, 'denominationsCents' | 'minAmountCents' | 'maxAmountCents'>): ParsedOrderForm {
  const errors: Record<string, string> = {};
  const lines: FormLine[] = Array.from({ length: MAX_FORM_LINES }, (_, i) => ({
    index: i,
    amount: str(body[`amount_${i}`]),
    custom: str(body[`custom_${i}`]).slice(0, 40),
    quantity: str(body[`qty_${i}`]) || '1',
    recipientName: str(body[`recipient_${i}`]).slice(0, 200),
    message: str(body[`message_${i}`]).slice(0, 1000),
  }));
  const values = { buyerName: str(body.buyerName).slice(0, 200), buyerEmail: str(body.buyerEmail).slice(0, 320), lines };

  const buyer = buyerFormSchema.safeParse(values);
  if (!buyer.success) for (const issue of buyer.error.issues) errors[String(issue.path[0])] = issue.message;

  const items: NonNullable<ParsedOrderForm['input']>['items'] = [];
  for (const line of lines) {
    if (!line.amount) continue;
    const amountCents = line.amount === 'other' ? parseEuroAmount(line.custom) : parseEuroAmount(line.amount);
    const field = line.amount === 'other' ? `custom_${line.index}` : `amount_${line.index}`;
    if (amountCents === null) errors[field] = 'errors.amount_format';
    // Checked in the same pass as every other field (not after them, in the order service), so
    // the buyer learns the allowed range at once, beside the amount they typed.
    else if (campaign && !isAllowedAmount(campaign, amountCents)) errors[field] = line.amount === 'other' ? 'errors.amount_range' : 'errors.amount_not_allowed';
    const quantity = /^\d{1,3}$/.test(line.quantity.trim()) ? Number(line.quantity.trim()) : NaN;
    if (!(quantity >= 1 && quantity <= 100)) errors[`qty_${line.index}`] = 'errors.quantity';
    const recipientName = line.recipientName.trim();
    const message = line.message.trim();
    if (recipientName.length > 80) errors[`recipient_${line.index}`] = 'errors.too_long';
    else if (!isPlainText(recipientName)) errors[`recipient_${line.index}`] = 'errors.invalid_chars';
    if (message.length > 300) errors[`message_${line.index}`] = 'errors.message_too_long';
    else if (!isPlainText(message, true)) errors[`message_${line.index}`] = 'errors.invalid_chars';
    if (amountCents !== null) items.push({ amountCents, quantity, recipientName: recipientName || undefined, message: message || undefined });
  }
  if (items.length === 0 && !Object.keys(errors).some((k) => /_\d$/.test(k))) errors.amount_0 = 'errors.no_items';
  if (Object.keys(errors).length || !buyer.success) return { values, errors };
  return { values, errors, input: { buyer: { name: buyer.data.buyerName, email: buyer.data.buyerEmail }, items } };
}
