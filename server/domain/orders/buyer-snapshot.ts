import type { Order } from './orders-repository';

/** An organisation's order's buyer as typed for that order (see `orders.billing_address`). */
export interface OrderBuyer {
  kind: 'company' | 'municipality';
  name: string;
  siret: string;
  vatNumber: string | null;
  streetLines: string[];
  postalCode: string;
  city: string;
  contactName: string;
  contactEmail: string;
}

/**
 * The buyer of an organisation's order, read from the order's own copy: its pro-forma and
 * invoice never follow the organisation's row, so nothing a later order (or the
 * organisation) changes rewrites a document already handed out. Undefined for individuals.
 */
export function orderBuyer(order: Order): OrderBuyer | undefined {
  if (order.buyerType === 'individual' || !order.organisation || !order.siret || !order.billingAddress) return undefined;
  const lines = order.billingAddress.split('\n');
  // The last line is "<postal code> <city>", as written at creation (columns kept apart since migration 0014).
  const last = lines.pop() ?? '';
  const postalCode = order.billingPostalCode ?? last.slice(0, 5);
  const city = order.billingCity ?? last.slice(6);
  return {
    kind: order.buyerType,
    name: order.organisation,
    siret: order.siret,
    vatNumber: order.vatNumber,
    streetLines: lines.filter(Boolean).slice(0, 3),
    postalCode,
    city,
    contactName: order.buyerName,
    contactEmail: order.buyerEmail,
  };
}
