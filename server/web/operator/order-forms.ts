import { parseEuroAmount } from '../../lib/money';
import { isCalendarDate } from '../../lib/calendar-date';
import { parisDate, startOfParisDay } from '../../lib/paris-time';

/** What the operator typed, given back to the form when it is re-rendered. */
export interface TransferValues {
  amount: string;
  reference: string;
  receivedOn: string;
}

export type FormResult<T, V> = { ok: true; value: T; values: V } | { ok: false; errors: Partial<Record<keyof V, string>>; values: V };

const text = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');
/** Bank references as the API accepts them (letters, digits, space . / : - _). */
const BANK_REFERENCE = /^[\w ./:-]{1,100}$/;

/**
 * « Enregistrer un virement »: an amount in euros as people write it (« 1 234,50 »), the
 * bank's reference of the credit, and the day it arrived (Paris; today by default, never
 * in the future). Errors are message keys, one per field.
 */
export function parseTransferForm(body: unknown, now: Date): FormResult<{ amountCents: number; reference: string; receivedAt: Date }, TransferValues> {
  const b = (body ?? {}) as Record<string, unknown>;
  const today = parisDate(now);
  const values: TransferValues = { amount: text(b.amount, 40), reference: text(b.reference, 200).trim(), receivedOn: text(b.receivedOn, 10) || today };
  const errors: Partial<Record<keyof TransferValues, string>> = {};
  const amountCents = parseEuroAmount(values.amount);
  if (!values.amount.trim()) errors.amount = 'operator.errors.amount_required';
  else if (amountCents === null || amountCents <= 0) errors.amount = 'operator.errors.amount';
  if (!values.reference) errors.reference = 'operator.errors.reference_required';
  else if (!BANK_REFERENCE.test(values.reference)) errors.reference = 'operator.errors.reference';
  if (!isCalendarDate(values.receivedOn)) errors.receivedOn = 'operator.errors.received_on';
  else if (values.receivedOn > today) errors.receivedOn = 'operator.errors.received_future';
  if (Object.keys(errors).length || amountCents === null) return { ok: false, errors, values };
  // A transfer of today is stamped now; an earlier one at the start of its Paris day.
  const receivedAt = values.receivedOn === today ? now : startOfParisDay(values.receivedOn);
  return { ok: true, value: { amountCents, reference: values.reference, receivedAt }, values };
}

/** « Annuler la commande » needs a reason, kept on the order. */
export function parseCancelForm(body: unknown): FormResult<{ reason: string }, { reason: string }> {
  const reason = text((body as Record<string, unknown> | undefined)?.reason, 400).trim().replace(/\s+/g, ' ');
  if (reason.length < 3) return { ok: false, errors: { reason: 'operator.errors.reason_required' }, values: { reason } };
  if (reason.length > 300) return { ok: false, errors: { reason: 'operator.errors.reason_too_long' }, values: { reason } };
  return { ok: true, value: { reason }, values: { reason } };
}
