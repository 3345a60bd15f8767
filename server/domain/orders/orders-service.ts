import type { Database_, Tx } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId, newOrderReference, newToken, sha256 } from '../../lib/ids';
import type { Logger } from '../../lib/logger';
import { enqueueMessage } from '../../mail/outbox-repository';
import type { PaymentProvider } from '../../payments/payment-provider';
import type { Seller } from '../../invoices/invoice-document';
import { checkOrder, type BuyerType } from '../campaigns/campaign';
import { bonusFor } from '../campaigns/bonus';
import { buyerBonusCents, reserveBonus } from '../campaigns/bonus-repository';
import { publicCampaign } from '../campaigns/campaigns-service';
import type { JournalLine } from '../ledger/accounts';
import { organisationForOrderTx } from '../organisations/organisations-service';
import { checkCardAmount, checkoutLines } from './card-payment';
import { organisationTerms, type OrganisationOrderInput } from './organisation-order';
import { findOrder, insertOrder, updateOrder, type Order } from './orders-repository';
import { cancelOrderSteps, confirmPaymentSteps, recordPaymentSteps, type ConfirmedPayment, type ConfirmOutcome } from './payment-confirmation';
import { sqlitePaymentStore } from './payment-store-sqlite';
import { runSync } from '../../../db/unit-of-work';

export interface OrdersDeps {
  database: Database_;
  clock: Clock;
  payments: PaymentProvider;
  baseUrl: string;
  logger: Logger;
  operator: Seller;
}

export interface NewOrderInput extends OrganisationOrderInput {
  campaignSlug: string;
  buyer: {
    type: BuyerType;
    name: string;
    email: string;
    organisation?: string;
    siret?: string;
    vatNumber?: string;
    purchaseOrder?: string;
    serviceCode?: string;
    phone?: string;
    address?: { lines: string[]; postalCode: string; city: string };
  };
  items: { amountCents: number; quantity: number; recipientName?: string; recipientEmail?: string; message?: string }[];
  paymentMethod: 'card' | 'bank_transfer';
  locale: string;
  /** Placed by the operator (admin key): may go up to MAX_ORDER_VOUCHERS; anyone else up to ANONYMOUS_ORDER_VOUCHERS. */
  byOperator?: boolean;
}

/**
 * Vouchers one order placed by anyone (API without a key, the forms) may hold. Creating,
 * issuing and rendering an order costs time on the one event loop in proportion to its
 * vouchers (~0.1-0.2 ms each): 500 keeps each step well under 100 ms. Bigger orders go
 * through the operator, up to the 10 000 of MAX_ORDER_VOUCHERS.
 */
export const ANONYMOUS_ORDER_VOUCHERS = 500;

export interface CreatedOrder {
  order: Order;
  accessToken: string;
  paymentUrl: string;
}

/**
 * Creates the order (pending_payment) in one transaction, then — outside it — asks the
 * payment provider for a checkout, with our order id as idempotency key so a retry
 * cannot create a second checkout. A provider failure cancels the order and says so.
 * Bank transfers (organisations only) need no checkout: the order page shows the
 * pro-forma with the operator's IBAN and the order's transfer reference.
 */
export async function createOrder(deps: OrdersDeps, input: NewOrderInput): Promise<CreatedOrder> {
  if (input.paymentMethod === 'bank_transfer' && input.buyer.type === 'individual') {
    throw new AppError('PAYMENT_METHOD_UNAVAILABLE', 422, 'errors.bank_transfer_unavailable', { paymentMethod: 'errors.bank_transfer_unavailable' });
  }
  const now = deps.clock.now();
  const accessToken = newToken();
  const order = deps.database.transaction((tx) => {
    const campaign = publicCampaign(tx, input.campaignSlug);
    const check = checkOrder(campaign, input.buyer.type, input.items, now);
    if (!check.ok) throw orderCheckError(check);
    const org = input.buyer.type === 'individual' ? null : organisationTerms(tx, campaign, input, check.totalCents, now);
    const orgRow = org ? organisationForOrderTx(tx, org.organisation, now) : null;
    const order: Order = {
      id: newId(),
      reference: newOrderReference(),
      campaignId: campaign.id,
      status: 'pending_payment',
      buyerType: input.buyer.type,
      buyerName: input.buyer.name,
      buyerEmail: input.buyer.email,
      organisation: org?.organisation.name ?? null,
      siret: org?.organisation.siret ?? null,
      vatNumber: org?.organisation.vatNumber ?? null,
      purchaseOrder: org?.purchaseOrder ?? null,
      serviceCode: org?.serviceCode ?? null,
      paymentMethod: input.paymentMethod,
      totalCents: check.totalCents + (org?.feeCents ?? 0) + (org?.feeVatCents ?? 0),
      feeCents: org?.feeCents ?? 0,
      feeVatCents: org?.feeVatCents ?? 0,
      bonusCents: 0,
      refundedCents: 0,
      paidCents: 0,
      organisationId: orgRow?.organisation.id ?? null,
      // The buyer as typed, kept on the order: its documents render this copy.
      billingAddress: org ? `${org.organisation.billingAddress}\n${org.organisation.postalCode} ${org.organisation.city}` : null,
      billingPostalCode: org?.organisation.postalCode ?? null,
      billingCity: org?.organisation.city ?? null,
      contactPhone: input.buyer.phone ?? null,
      organisationConfirmedAt: orgRow?.created ? now.toISOString() : null,
      organisationConfirmHash: orgRow && !orgRow.created ? sha256(orgRow.confirmToken) : null,
      transferReference: null,
      giftEvent: org?.giftEvent ?? null,
      codesExportedAt: null,
      locale: input.locale,
      accessTokenHash: sha256(accessToken),
      checkoutRef: null,
      checkoutUrl: null,
      cancelReason: null,
      reviewReason: null,
      paidAt: null,
      issueJournalId: null,
      issueActor: null,
      issueNext: 0,
      issueRemainingCents: 0,
      cancelledAt: null,
      createdAt: now.toISOString(),
      personalDataErasedAt: null,
    };
    if (input.paymentMethod === 'card') refuseUnpayableByCard(order.totalCents, input.buyer.type);
    // After the campaign's and the card's limits (their answers say more), before any write.
    if (!input.byOperator && check.voucherCount > ANONYMOUS_ORDER_VOUCHERS) {
      throw new AppError('ORDER_LIMIT_EXCEEDED', 422, 'errors.anonymous_order_too_large', { items: 'errors.anonymous_order_too_large' }, { max: ANONYMOUS_ORDER_VOUCHERS });
    }
    // The sponsor bonus (individuals' purchases only: organisations' orders are invoiced
    // and the sponsor funds residents' gifts), decided on the campaign row just re-read.
    const bonusCents = input.buyer.type === 'individual' ? bonusFor(campaign, check.totalCents, buyerBonusCents(tx, campaign.id, input.buyer.email)) : 0;
    order.bonusCents = bonusCents;
    const items = input.items.map((it, position) => ({
      id: newId(),
      orderId: order.id,
      position,
      amountCents: it.amountCents,
      quantity: it.quantity,
      recipientName: it.recipientName ?? null,
      recipientEmail: it.recipientEmail ?? null,
      message: it.message ?? null,
      bonus: 0,
    }));
    // ONE extra line for the bonus voucher; not in total_cents, the buyer does not pay it.
    if (bonusCents > 0) items.push({ id: newId(), orderId: order.id, position: items.length, amountCents: bonusCents, quantity: 1, recipientName: null, recipientEmail: null, message: null, bonus: 1 });
    if (input.paymentMethod === 'bank_transfer') order.transferReference = transferReferenceOf(order.reference);
    insertOrder(tx, order, items);
    reserveBonus(tx, campaign.id, bonusCents);
    if (orgRow?.created) {
      const kind = input.paymentMethod === 'bank_transfer' ? 'org_order_proforma' : 'org_order_created';
      enqueueMessage(tx, { kind, recipient: order.buyerEmail, payload: { orderId: order.id, accessToken, pageToken: orgRow.pageToken } }, now);
    } else if (orgRow) {
      // An existing organisation: its contact is asked to confirm; the mail carries none of the caller's text.
      enqueueMessage(tx, { kind: 'org_order_confirm', recipient: order.buyerEmail, payload: { orderId: order.id, confirmToken: orgRow.confirmToken } }, now);
    }
    return { order, campaignName: campaign.name };
  });

  const orderUrl = `${deps.baseUrl}/commandes/${order.order.id}?token=${accessToken}`;
  if (input.paymentMethod === 'bank_transfer') return { order: order.order, accessToken, paymentUrl: orderUrl };
  let checkout;
  try {
    checkout = await deps.payments.createCheckout({
      orderId: order.order.id,
      reference: order.order.reference,
      description: order.campaignName,
      totalCents: order.order.totalCents,
      lines: checkoutLines(input.items, order.order),
      buyerEmail: input.buyer.email,
      locale: input.locale,
      successUrl: orderUrl,
      cancelUrl: `${orderUrl}&cancelled=1`,
    });
  } catch (err) {
    const e = err as { type?: string; code?: string; statusCode?: number; message?: string };
    // A 401/400 here is a configuration problem, not an outage: say which in the log.
    deps.logger.error({ orderId: order.order.id, provider: deps.payments.name, type: e.type, code: e.code, statusCode: e.statusCode, message: e.message }, 'checkout creation failed');
    cancelOrder(deps, order.order.id, 'checkout_failed');
    throw new AppError('PAYMENT_PROVIDER_UNAVAILABLE', 503, 'errors.payment_provider_unavailable');
  }
  deps.database.transaction((tx) => updateOrder(tx, order.order.id, { checkoutRef: checkout.ref, checkoutUrl: checkout.url }));
  return { order: { ...order.order, checkoutRef: checkout.ref, checkoutUrl: checkout.url }, accessToken, paymentUrl: checkout.url };
}

/**
 * An order one card payment cannot carry is refused before anything is written, with the
 * way out: bank transfer for organisations, an organisation's order or several orders for
 * individuals (who pay by card only). The message names the total and the limit.
 */
function refuseUnpayableByCard(totalCents: number, buyerType: BuyerType): void {
  const check = checkCardAmount(totalCents);
  if (check.ok) return;
  if (check.reason === 'too_small') {
    throw new AppError('CARD_AMOUNT_TOO_SMALL', 422, 'checkout.errors.card_amount_too_small', { items: 'checkout.errors.card_amount_too_small' }, { minCents: check.minCents });
  }
  const key = buyerType === 'individual' ? 'checkout.errors.card_amount_too_large_individual' : 'checkout.errors.card_amount_too_large';
  throw new AppError('CARD_AMOUNT_TOO_LARGE', 422, key, { paymentMethod: key }, { totalCents, maxCents: check.maxCents });
}

function orderCheckError(check: Exclude<ReturnType<typeof checkOrder>, { ok: true }>): AppError {
  switch (check.reason) {
    case 'not_on_sale':
      return new AppError('CAMPAIGN_NOT_ON_SALE', 409, 'errors.campaign_not_on_sale');
    case 'no_items':
      return new AppError('VALIDATION_FAILED', 422, 'errors.no_items', { items: 'errors.no_items' });
    case 'amount_not_allowed':
      return new AppError('AMOUNT_NOT_ALLOWED', 422, 'errors.amount_not_allowed', { [`items.${check.line}.amountCents`]: 'errors.amount_not_allowed' });
    case 'too_many_vouchers':
      return new AppError('ORDER_LIMIT_EXCEEDED', 422, 'errors.too_many_vouchers', { items: 'errors.too_many_vouchers' }, { max: check.max });
    case 'order_too_large':
      return new AppError('ORDER_LIMIT_EXCEEDED', 422, 'errors.order_too_large', { items: 'errors.order_too_large' }, { maxCents: check.maxCents });
  }
}

export type { ConfirmedPayment, ConfirmOutcome } from './payment-confirmation';

/** confirmPaymentSteps (payment-confirmation.ts) in the caller's SQLite transaction (BEGIN IMMEDIATE). */
export function confirmPaymentTx(tx: Tx, deps: Pick<OrdersDeps, 'clock' | 'logger'> & { operator?: Seller }, p: ConfirmedPayment): ConfirmOutcome {
  return runSync(confirmPaymentSteps(sqlitePaymentStore(tx), deps, p));
}

/**
 * Money received: the payment row (unique per provider reference) and its journal
 * (clearing debited by what arrived). Returns the journal id.
 */
export function recordPayment(tx: Tx, order: Order, p: Pick<ConfirmedPayment, 'provider' | 'providerRef' | 'amountCents'>, entry: { kind: string; lines: JournalLine[]; description: string }, now: Date, receivedAt = now): string {
  return runSync(recordPaymentSteps(sqlitePaymentStore(tx), order, p, entry, now, receivedAt));
}

/** cancelOrderSteps (payment-confirmation.ts) in the caller's SQLite transaction. */
export function cancelOrderTx(tx: Tx, now: Date, orderId: string, reason: string): boolean {
  return runSync(cancelOrderSteps(sqlitePaymentStore(tx), now, orderId, reason));
}

export function cancelOrder(deps: Pick<OrdersDeps, 'database' | 'clock'>, orderId: string, reason: string): boolean {
  return deps.database.transaction((tx) => cancelOrderTx(tx, deps.clock.now(), orderId, reason));
}

/** What the buyer writes on its transfer: the order reference without dashes (banks drop them). */
export const transferReferenceOf = (orderReference: string) => `VIR${orderReference.replace(/^CMD-/, '').replace(/-/g, '')}`;

/** The order for a bearer of its access token; compared by hash, never by the token itself. */
export function findOrderForToken(deps: Pick<OrdersDeps, 'database'>, orderId: string, token: string | undefined): Order {
  const order = findOrder(deps.database.db, orderId);
  if (!order || !token || sha256(token) !== order.accessTokenHash) throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
  return order;
}
