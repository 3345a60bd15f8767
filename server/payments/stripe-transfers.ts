import type Stripe from 'stripe';
import type { TransferGateway } from '../domain/settlements/payouts';
import { stripeClient, type StripeSettings } from './stripe-provider';

/**
 * Stripe Connect transfers to shops' connected accounts. One transfer per statement, the
 * batch reference as `transfer_group`, the statement id as idempotency key and metadata
 * (so a webhook can be matched even before our row records the transfer id, and a retry
 * days later finds the transfer by group and metadata once Stripe has pruned the key).
 */
export function stripeTransfers(stripe: Stripe): TransferGateway {
  return {
    async createTransfer(t) {
      const transfer = await stripe.transfers.create(
        { amount: t.amountCents, currency: 'eur', destination: t.destination, transfer_group: t.transferGroup, description: t.description, metadata: { statement_id: t.statementId } },
        { idempotencyKey: t.idempotencyKey },
      );
      return { id: transfer.id };
    },
    // GET /v1/transfers?transfer_group= (every page, newest first), matched on our statement id.
    async findTransfer(q) {
      for await (const transfer of stripe.transfers.list({ transfer_group: q.transferGroup, limit: 100 })) {
        if (transfer.metadata?.statement_id === q.statementId) return { id: transfer.id };
      }
      return null;
    },
  };
}

/** The settlement's transfer gateway: Stripe Connect when Stripe is configured, else none (SEPA only). */
export const transferGateway = (stripe: StripeSettings | null | undefined): TransferGateway | null => (stripe ? stripeTransfers(stripeClient(stripe)) : null);
