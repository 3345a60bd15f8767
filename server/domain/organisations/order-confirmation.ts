import type { Step } from '../../../db/unit-of-work';
import { AppError } from '../../lib/errors';
import { sha256 } from '../../lib/ids';
import { orderBuyer } from '../orders/buyer-snapshot';
import type { Order } from '../orders/orders-repository';
import type { OrganisationStore } from './organisation-store';
import type { Organisation } from './organisations-repository';

/**
 * An order placed with the SIRET and email of an existing organisation, seen by the bearer
 * of the confirmation link mailed to that organisation's contact. Unknown, foreign and
 * wrong-secret links look the same (404).
 */
export function* orderAwaitingConfirmationSteps(store: OrganisationStore, organisationId: string, orderId: string, token: string | undefined): Step<{ organisation: Organisation; order: Order }> {
  const organisation = yield* store.organisation(organisationId);
  const order = yield* store.order(orderId);
  if (!organisation || !order || order.organisationId !== organisation.id || !token || !order.organisationConfirmHash || sha256(token) !== order.organisationConfirmHash) {
    throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
  }
  return { organisation, order };
}

/**
 * The contact confirms the order is theirs: it joins the organisation's page, and the
 * organisation takes the details typed for it (name, address, VAT number, contact name) —
 * the one way, with the operator, that an organisation's details change. The page link
 * stays as it is. Confirming twice changes nothing more: the confirmation is a conditional
 * write, and only the request that made it hands the details over.
 */
export function* confirmOrganisationOrderSteps(store: OrganisationStore, now: Date, organisationId: string, orderId: string, token: string | undefined): Step<{ organisation: Organisation; order: Order }> {
  const { organisation, order } = yield* orderAwaitingConfirmationSteps(store, organisationId, orderId, token);
  if (order.organisationConfirmedAt) return { organisation, order };
  const confirmedAt = now.toISOString();
  if (!(yield* store.confirmOrder(order.id, confirmedAt))) return { organisation, order };
  const confirmed = { ...order, organisationConfirmedAt: confirmedAt };
  const buyer = orderBuyer(order);
  if (!buyer) return { organisation, order: confirmed };
  const details = { name: buyer.name, vatNumber: buyer.vatNumber, billingAddress: buyer.streetLines.join('\n'), postalCode: buyer.postalCode, city: buyer.city, contactName: buyer.contactName };
  yield* store.updateDetails(organisation.id, details);
  return { organisation: { ...organisation, ...details }, order: confirmed };
}
