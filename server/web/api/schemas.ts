import { z } from 'zod';
import { instant } from '../../lib/calendar-date';
import { MAX_ORDER_VOUCHERS } from '../../domain/orders/organisation-order';
import { plainText } from './plain-text-schema';

/** Longest accepted buyer fields (the organisation order form keeps to the same bounds). */
export const BUYER_MAX_LENGTH = { name: 120, organisation: 200, siret: 40, vatNumber: 40, purchaseOrder: 50, serviceCode: 100, addressLine: 100, city: 80 } as const;
export const PHONE_PATTERN = /^\+?[0-9 .()-]{6,20}$/;
export const emailSchema = z.string().trim().toLowerCase().pipe(z.email({ message: 'errors.email' }));

/** Free text without control or bidi characters (plainText); only a message keeps line breaks. */
const text = (max: number, multiline = false) => z.string().trim().min(1, { message: 'errors.required' }).max(max, { message: 'errors.too_long' }).pipe(plainText(multiline));
const cents = z
  .number({ message: 'errors.amount_cents' })
  .int({ message: 'errors.amount_cents' })
  .positive({ message: 'errors.amount_cents' })
  .max(100_000_00, { message: 'errors.amount_cents' });

export const createOrderSchema = z.strictObject({
  campaign: text(80),
  buyer: z.strictObject({
    type: z.enum(['individual', 'company', 'municipality'], { message: 'errors.buyer_type' }),
    name: text(BUYER_MAX_LENGTH.name),
    email: emailSchema,
    organisation: text(BUYER_MAX_LENGTH.organisation).optional(),
    // Checked in the domain (Luhn, VAT key): spaces as typed are accepted here.
    siret: z.string().max(BUYER_MAX_LENGTH.siret).pipe(plainText()).optional(),
    vatNumber: z.string().max(BUYER_MAX_LENGTH.vatNumber).pipe(plainText()).optional(),
    purchaseOrder: text(BUYER_MAX_LENGTH.purchaseOrder).optional(),
    serviceCode: text(BUYER_MAX_LENGTH.serviceCode).optional(),
    phone: z.string().trim().regex(PHONE_PATTERN, { message: 'errors.phone' }).optional(),
    address: z
      .strictObject({
        lines: z.array(text(BUYER_MAX_LENGTH.addressLine)).min(1, { message: 'errors.required' }).max(3, { message: 'errors.too_long' }),
        postalCode: z.string().trim().regex(/^\d{5}$/, { message: 'errors.postal_code' }),
        city: text(BUYER_MAX_LENGTH.city),
      })
      .optional(),
  }),
  giftEvent: z.string().max(40).pipe(plainText()).optional(),
  ceilingAcknowledged: z.boolean().optional(),
  items: z
    .array(
      z.strictObject({
        amountCents: cents,
        quantity: z.number({ message: 'errors.quantity' }).int({ message: 'errors.quantity' }).min(1, { message: 'errors.quantity' }).max(MAX_ORDER_VOUCHERS, { message: 'errors.quantity' }),
        recipientName: text(80).optional(),
        recipientEmail: emailSchema.optional(),
        message: text(300, true).optional(),
      }),
      { message: 'errors.no_items' },
    )
    .min(1, { message: 'errors.no_items' })
    // An organisation's list of beneficiaries: one line each (individuals are bounded by the campaign).
    .max(MAX_ORDER_VOUCHERS, { message: 'errors.too_many_lines' }),
  paymentMethod: z.enum(['card', 'bank_transfer'], { message: 'errors.payment_method' }),
});

export type CreateOrderBody = z.infer<typeof createOrderSchema>;

export const recordTransferSchema = z.strictObject({
  amountCents: z.number({ message: 'errors.amount_cents' }).int({ message: 'errors.amount_cents' }).positive({ message: 'errors.amount_cents' }).max(10_000_000_00, { message: 'errors.amount_cents' }),
  reference: z.string().trim().min(1, { message: 'errors.required' }).max(100, { message: 'errors.too_long' }).regex(/^[\w ./:-]+$/, { message: 'errors.invalid' }),
  receivedAt: instant.optional(),
});
