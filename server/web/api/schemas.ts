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
    siret: z.string().regex(/^\d{14}$/, { message: 'errors.siret' }).optional(),
    vatNumber: z.string().regex(/^[A-Z]{2}[0-9A-Z]{2,13}$/, { message: 'errors.vat_number' }).optional(),
    purchaseOrder: text(50).optional(),
    serviceCode: text(100).optional(),
  }),
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
    .max(100, { message: 'errors.too_many_lines' }),
  paymentMethod: z.enum(['card', 'bank_transfer'], { message: 'errors.payment_method' }),
});

export type CreateOrderBody = z.infer<typeof createOrderSchema>;
