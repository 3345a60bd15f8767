import { z } from 'zod';
import { calendarDate, instant } from '../../lib/calendar-date';
import { plainText } from './plain-text-schema';

export const redeemSchema = z.strictObject({
  code: z.string({ message: 'errors.code_required' }).trim().min(1, { message: 'errors.code_required' }).max(200, { message: 'errors.too_long' }).pipe(plainText()),
  amountCents: z
    .number({ message: 'errors.amount_cents' })
    .int({ message: 'errors.amount_cents' })
    .positive({ message: 'errors.amount_cents' })
    .max(100_000_00, { message: 'errors.amount_cents' }),
  idempotencyKey: z
    .string({ message: 'errors.idempotency_key' })
    .min(8, { message: 'errors.idempotency_key' })
    .max(100, { message: 'errors.idempotency_key' })
    .regex(/^[\w.:-]+$/, { message: 'errors.idempotency_key' }),
});

/** Whole Paris days or instants, both read by the one strict date reader (real days, 2000–2100). */
export const listRedemptionsSchema = z.object({
  from: z.union([calendarDate, instant], { message: 'errors.date' }).optional(),
  to: z.union([calendarDate, instant], { message: 'errors.date' }).optional(),
  status: z.enum(['completed', 'voided'], { message: 'errors.invalid' }).optional(),
});
