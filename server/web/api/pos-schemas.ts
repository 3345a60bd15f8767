import { z } from 'zod';
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

/** A real calendar day: 2026-02-30 is refused, not rolled over. */
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'errors.date' })
  .refine((d) => {
    const t = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().startsWith(d);
  }, { message: 'errors.date' });
const instant = z.iso.datetime({ offset: true, message: 'errors.date' });

export const listRedemptionsSchema = z.object({
  from: z.union([day, instant]).optional(),
  to: z.union([day, instant]).optional(),
  status: z.enum(['completed', 'voided'], { message: 'errors.invalid' }).optional(),
});
