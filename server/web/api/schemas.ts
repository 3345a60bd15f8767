import { z } from 'zod';

const text = (max: number) => z.string().trim().min(1, { message: 'errors.required' }).max(max, { message: 'errors.too_long' });
const cents = z
  .number({ message: 'errors.amount_cents' })
  .int({ message: 'errors.amount_cents' })
  .positive({ message: 'errors.amount_cents' })
  .max(100_000_00, { message: 'errors.amount_cents' });

export const createOrderSchema = z.strictObject({
  campaign: text(80),
  buyer: z.strictObject({
    type: z.enum(['individual', 'company', 'municipality'], { message: 'errors.buyer_type' }),
    name: text(120),
    email: z.string().trim().toLowerCase().pipe(z.email({ message: 'errors.email' })),
    organisation: text(200).optional(),
    // Checked in the domain (Luhn, VAT key): spaces as typed are accepted here.
    siret: z.string().max(40).optional(),
    vatNumber: z.string().max(40).optional(),
    purchaseOrder: text(50).optional(),
    serviceCode: text(100).optional(),
    phone: z.string().trim().regex(/^\+?[0-9 .()-]{6,20}$/, { message: 'errors.phone' }).optional(),
    address: z
      .strictObject({
        lines: z.array(text(100)).min(1, { message: 'errors.required' }).max(3, { message: 'errors.too_long' }),
        postalCode: z.string().trim().regex(/^\d{5}$/, { message: 'errors.postal_code' }),
        city: text(80),
      })
      .optional(),
  }),
  giftEvent: z.string().max(40).optional(),
  ceilingAcknowledged: z.boolean().optional(),
  items: z
    .array(
      z.strictObject({
        amountCents: cents,
        quantity: z.number({ message: 'errors.quantity' }).int({ message: 'errors.quantity' }).min(1, { message: 'errors.quantity' }).max(10_000, { message: 'errors.quantity' }),
        recipientName: text(80).optional(),
        recipientEmail: z.string().trim().toLowerCase().pipe(z.email({ message: 'errors.email' })).optional(),
        message: text(300).optional(),
      }),
      { message: 'errors.no_items' },
    )
    .min(1, { message: 'errors.no_items' })
    // An organisation's list of beneficiaries: one line each (individuals are bounded by the campaign).
    .max(10_000, { message: 'errors.too_many_lines' }),
  paymentMethod: z.enum(['card', 'bank_transfer'], { message: 'errors.payment_method' }),
});

export type CreateOrderBody = z.infer<typeof createOrderSchema>;

export const recordTransferSchema = z.strictObject({
  amountCents: z.number({ message: 'errors.amount_cents' }).int({ message: 'errors.amount_cents' }).positive({ message: 'errors.amount_cents' }).max(10_000_000_00, { message: 'errors.amount_cents' }),
  reference: z.string().trim().min(1, { message: 'errors.required' }).max(100, { message: 'errors.too_long' }).regex(/^[\w ./:-]+$/, { message: 'errors.invalid' }),
  receivedAt: z.iso.datetime({ offset: true, message: 'errors.date' }).optional(),
});
