/**
 * The order's own unit of work, written once as steps over an OrderCreationStore: the
 * campaign's rules checked on the campaign as it is now, the organisation found or created,
 * the sponsor bonus decided, the order and its lines written, and the organisation's mail
 * queued in the same unit (it never goes for an order that rolled back). The payment
 * provider's checkout is asked for after the commit (orders-service.ts createOrder).
 */
import { type Step } from '../../../db/unit-of-work';
import { AppError } from '../../lib/errors';
import { newId, newOrderReference, newToken, sha256 } from '../../lib/ids';
import { parisDate } from '../../lib/paris-time';
import { ceilingSettingKey, employerCeilingOf } from '../bulk/employer-gifts';
import { bonusFor } from '../campaigns/bonus';
import { checkOrder, type BuyerType, type Campaign } from '../campaigns/campaign';
import type { OrganisationInput, OrganisationForOrder } from '../organisations/organisations-service';
import type { Organisation } from '../organisations/organisations-repository';
import { checkCardAmount } from './card-payment';
import type { OrderCreationStore } from './order-creation-store';
import { organisationTerms, type OrganisationOrderInput } from './organisation-order';
import type { Order } from './orders-repository';

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

/** A campaign the public may see (anything but a draft), or CAMPAIGN_NOT_FOUND. */
export function* publicCampaignSteps(store: Pick<OrderCreationStore, 'campaignBySlug'>, slug: string): Step<Campaign> {
  const campaign = yield* store.campaignBySlug(slug);
  if (!campaign || campaign.status === 'draft') throw new AppError('CAMPAIGN_NOT_FOUND', 404, 'errors.campaign_not_found');
  return campaign;
}

/** The order written (pending_payment), with what the checkout needs. */
export function* createOrderSteps(store: OrderCreationStore, input: NewOrderInput, accessToken: string, now: Date): Step<{ order: Order; campaignName: string }> {
  let campaign = yield* publicCampaignSteps(store, input.campaignSlug);
  const check = checkOrder(campaign, input.buyer.type, input.items, now);
  if (!check.ok) throw orderCheckError(check);
  let org = null;
  if (input.buyer.type !== 'individual') {
    const year = Number(parisDate(now).slice(0, 4));
    const ceiling = employerCeilingOf(yield* store.setting(ceilingSettingKey(year)), year);
    org = organisationTerms(campaign, input, check.totalCents, ceiling);
  }
  const orgRow = org ? yield* organisationForOrderSteps(store, org.organisation, now) : null;
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
  // and the sponsor funds residents' gifts), decided on the campaign row re-read and locked.
  let bonusCents = 0;
  if (input.buyer.type === 'individual' && campaign.bonusKind !== 'none') {
    campaign = (yield* store.campaignForBonus(campaign.id)) ?? campaign;
    bonusCents = bonusFor(campaign, check.totalCents, yield* store.buyerBonusCents(campaign.id, input.buyer.email));
  }
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
  yield* store.insertOrder(order, items);
  if (bonusCents > 0) yield* store.reserveBonus(campaign.id, bonusCents);
  if (orgRow?.created) {
    const kind = input.paymentMethod === 'bank_transfer' ? 'org_order_proforma' : 'org_order_created';
    yield* store.enqueue([{ kind, recipient: order.buyerEmail, payload: { orderId: order.id, accessToken, pageToken: orgRow.pageToken } }], now);
  } else if (orgRow) {
    // An existing organisation: its contact is asked to confirm; the mail carries none of the caller's text.
    yield* store.enqueue([{ kind: 'org_order_confirm', recipient: order.buyerEmail, payload: { orderId: order.id, confirmToken: orgRow.confirmToken } }], now);
  }
  return { order, campaignName: campaign.name };
}

/**
 * The organisation behind an order, found by (SIRET, contact email) or created. A SIRET is
 * public and an email is no proof of holding it, so an order that finds an existing
 * organisation changes nothing of it: not its details (the order keeps its own copy of what
 * was typed), not its page link. It gets a confirmation secret instead, mailed to the
 * contact; only the contact's confirmation puts the order on the page (and takes its
 * details, see `confirmOrganisationOrderTx`). A new organisation gets its page secret, sent
 * in the order's mail.
 */
export function* organisationForOrderSteps(
  store: Pick<OrderCreationStore, 'organisationByContact' | 'insertOrganisation'>,
  input: OrganisationInput,
  now: Date,
): Step<OrganisationForOrder> {
  const existing = yield* store.organisationByContact(input.siret, input.contactEmail);
  if (existing) return { organisation: existing, created: false, confirmToken: newToken() };
  const pageToken = newToken();
  const organisation: Organisation = { id: newId(), ...input, accessTokenHash: sha256(pageToken), nextAccessTokenHash: null, createdAt: now.toISOString() };
  yield* store.insertOrganisation(organisation);
  return { organisation, created: true, pageToken };
}

/** What the buyer writes on its transfer: the order reference without dashes (banks drop them). */
export const transferReferenceOf = (orderReference: string) => `VIR${orderReference.replace(/^CMD-/, '').replace(/-/g, '')}`;

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
