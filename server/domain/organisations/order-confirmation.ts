import type { Database_, Tx } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { sha256 } from '../../lib/ids';
import { orderBuyer } from '../orders/buyer-snapshot';
import { findOrder, updateOrder, type Order } from '../orders/orders-repository';
import { findOrganisation, updateOrganisation, type Organisation } from './organisations-repository';

/**
 * An order placed with the SIRET and email of an existing organisation, seen by the bearer
 * of the confirmation link mailed to that organisation's contact. Unknown, foreign and
 * wrong-secret links look the same (404).
 */
export function orderAwaitingConfirmation(tx: Tx, organisationId: string, orderId: string, token: string | undefined): { organisation: Organisation; order: Order } {
  const organisation = findOrganisation(tx, organisationId);
  const order = findOrder(tx, orderId);
  if (!organisation || !order || order.organisationId !== organisation.id || !token || !order.organisationConfirmHash || sha256(token) !== order.organisationConfirmHash) {
    throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
  }
  return { organisation, order };
}

/**
 * The contact confirms the order is theirs: it joins the organisation's page, and the
 * organisation takes the details typed for it (name, address, VAT number, contact name) —
 * the one way, with the operator, that an organisation's details change. The page link
 * stays as it is. Confirming twice changes nothing more.
 */
export function confirmOrganisationOrder(deps: { database: Database_; clock: Clock }, organisationId: string, orderId: string, token: string | undefined): { organisation: Organisation; order: Order } {
  return deps.database.transaction((tx) => {
    const { organisation, order } = orderAwaitingConfirmation(tx, organisationId, orderId, token);
    if (order.organisationConfirmedAt) return { organisation, order };
    const confirmedAt = deps.clock.now().toISOString();
    updateOrder(tx, order.id, { organisationConfirmedAt: confirmedAt });
    const buyer = orderBuyer(order);
    if (!buyer) return { organisation, order };
    const patch = { name: buyer.name, vatNumber: buyer.vatNumber, billingAddress: buyer.streetLines.join('\n'), postalCode: buyer.postalCode, city: buyer.city, contactName: buyer.contactName };
    updateOrganisation(tx, organisation.id, patch);
    return { organisation: { ...organisation, ...patch }, order: { ...order, organisationConfirmedAt: confirmedAt } };
  });
}
