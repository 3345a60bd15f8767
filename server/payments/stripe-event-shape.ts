import { z } from 'zod';
import { AppError } from '../lib/errors';

/**
 * The fields we read from a signed Stripe event, checked before use. The SDK verifies the
 * signature and returns whatever JSON was signed: an event whose object lacks a field or
 * holds another type (a test payload, a future API version) is refused with a 400 — the
 * sender sees why — instead of failing deeper with a 500.
 */
const metadata = z.record(z.string(), z.string()).nullish();
const text = z.string().nullish();
const cents = z.number().int().nonnegative().nullish();

const transfer = z.looseObject({ id: z.string(), metadata, amount_reversed: cents, reversed: z.boolean().nullish() });
const refund = z.looseObject({ id: z.string(), status: text, failure_reason: text, metadata });
const session = z.looseObject({ id: z.string(), metadata, client_reference_id: text, amount_total: cents, currency: text, payment_status: text });

const OBJECTS: Record<string, z.ZodType> = {
  'transfer.created': transfer,
  'transfer.reversed': transfer,
  'refund.updated': refund,
  'refund.failed': refund,
  'charge.refund.updated': refund,
  'checkout.session.completed': session,
  'checkout.session.async_payment_succeeded': session,
  'checkout.session.async_payment_failed': session,
  'checkout.session.expired': session,
};

const event = z.looseObject({ id: z.string().min(1), type: z.string().min(1), data: z.looseObject({ object: z.looseObject({}) }) });

/** Throws INVALID_EVENT (400) unless `e` is an event whose object has what its type promises. */
export function assertEventShape(e: unknown): void {
  const parsed = event.safeParse(e);
  const object = parsed.success ? OBJECTS[parsed.data.type] : undefined;
  if (!parsed.success || (object && !object.safeParse(parsed.data.data.object).success)) {
    throw new AppError('INVALID_EVENT', 400, 'errors.invalid_event');
  }
}
