/**
 * What the organisation's page, its link form and the confirmation of an order read and
 * write, as steps over a store so one source (organisations-service.ts, order-confirmation.ts)
 * serves both backends: sqliteOrganisationStore (the repositories, in the caller's SQLite
 * transaction or snapshot) and pgOrganisationStore (organisation-store-pg.ts).
 */
import { and, eq, isNull } from 'drizzle-orm';
import { sqliteOf, type Tx } from '../../../db/client';
import { orders, organisations } from '../../../db/schema/index';
import { done, type Step } from '../../../db/unit-of-work';
import { enqueueMessage } from '../../mail/outbox-repository';
import { findOrder, type Order } from '../orders/orders-repository';
import { findOrganisation, findOrganisationByContact, listOrganisationOrders, updateOrganisation, type Organisation } from './organisations-repository';

/** The details a confirmed order hands to its organisation (order-confirmation.ts). */
export type OrganisationDetails = Pick<Organisation, 'name' | 'vatNumber' | 'billingAddress' | 'postalCode' | 'city' | 'contactName'>;

/** A voucher as the organisation's page lists it; `status` as the organisation sees it (ORG_VOUCHER_STATUS_SQL). */
export interface OrganisationPageVoucher {
  code: string;
  amountCents: number;
  balanceCents: number;
  recipientName: string | null;
  recipientEmail: string | null;
  status: string;
}

export interface OrganisationStore {
  organisation(id: string): Step<Organisation | undefined>;
  organisationByContact(siret: string, contactEmail: string): Step<Organisation | undefined>;
  /** The waiting link (its hash) becomes the page link; false when it is no longer the waiting one (another request took it). */
  takeNextLink(id: string, hash: string): Step<boolean>;
  /** A new link waits beside the one in use (replacing any earlier one not yet opened). */
  setNextLink(id: string, hash: string): Step<void>;
  updateDetails(id: string, details: OrganisationDetails): Step<void>;
  order(id: string): Step<Order | undefined>;
  /** Marks the order confirmed by the contact; false when it was already (confirming twice, or two at once). */
  confirmOrder(id: string, at: string): Step<boolean>;
  enqueue(msg: { kind: string; recipient: string; payload: object }, now: Date): Step<void>;
  /** The orders on the page: placed or confirmed by the organisation, latest first. */
  pageOrders(organisationId: string): Step<Order[]>;
  /** How many of the order's vouchers are in each status the organisation sees, at `now`. */
  voucherStatusCounts(orderId: string, now: string): Step<{ status: string; n: number }[]>;
  /**
   * The order's voucher count: its lines' quantities, summed by the database rather than
   * loaded line by line; the sponsor's bonus lines only with `bonus`.
   */
  orderVoucherCount(orderId: string, opts: { bonus: boolean }): Step<number>;
  /** The order's first vouchers, by issue time then code. */
  firstVouchers(orderId: string, now: string, limit: number): Step<OrganisationPageVoucher[]>;
}

/**
 * What the organisation sees: active vouchers split into unused / partly used, active past
 * expiry as expired. Portable SQL (ISO timestamps compare as text on both backends).
 */
export const ORG_VOUCHER_STATUS_SQL = `CASE WHEN status = 'active' AND expires_at < @now THEN 'expired'
  WHEN status = 'active' AND balance_cents < amount_cents THEN 'partly_used'
  WHEN status = 'active' THEN 'unused' ELSE status END`;
export const ORG_VOUCHER_COUNTS_SQL = `SELECT ${ORG_VOUCHER_STATUS_SQL} AS status, COUNT(*) AS n FROM vouchers WHERE order_id = @order GROUP BY 1`;
export const ORG_FIRST_VOUCHERS_SQL = `SELECT code, amount_cents AS "amountCents", balance_cents AS "balanceCents", recipient_name AS "recipientName",
    recipient_email AS "recipientEmail", ${ORG_VOUCHER_STATUS_SQL} AS status
  FROM vouchers WHERE order_id = @order ORDER BY issued_at, code LIMIT @limit`;

export const ORDER_VOUCHER_COUNT_SQL = `SELECT COALESCE(SUM(quantity), 0) AS n FROM order_items WHERE order_id = @order AND (@bonus = 1 OR bonus = 0)`;

export function sqliteOrganisationStore(tx: Tx): OrganisationStore {
  const sqlite = sqliteOf(tx);
  return {
    organisation: (id) => done(findOrganisation(tx, id)),
    organisationByContact: (siret, email) => done(findOrganisationByContact(tx, siret, email)),
    takeNextLink: (id, hash) =>
      done(
        tx.update(organisations).set({ accessTokenHash: hash, nextAccessTokenHash: null }).where(and(eq(organisations.id, id), eq(organisations.nextAccessTokenHash, hash))).run().changes === 1,
      ),
    setNextLink: (id, hash) => done(updateOrganisation(tx, id, { nextAccessTokenHash: hash })),
    updateDetails: (id, details) => done(updateOrganisation(tx, id, details)),
    order: (id) => done(findOrder(tx, id)),
    confirmOrder: (id, at) =>
      done(tx.update(orders).set({ organisationConfirmedAt: at }).where(and(eq(orders.id, id), isNull(orders.organisationConfirmedAt))).run().changes === 1),
    enqueue: (msg, now) => done(void enqueueMessage(tx, msg, now)),
    pageOrders: (organisationId) => done(listOrganisationOrders(tx, organisationId)),
    voucherStatusCounts: (orderId, now) => done(sqlite.prepare(ORG_VOUCHER_COUNTS_SQL).all({ order: orderId, now }) as { status: string; n: number }[]),
    orderVoucherCount: (orderId, opts) => done((sqlite.prepare(ORDER_VOUCHER_COUNT_SQL).get({ order: orderId, bonus: opts.bonus ? 1 : 0 }) as { n: number }).n),
    firstVouchers: (orderId, now, limit) => done(sqlite.prepare(ORG_FIRST_VOUCHERS_SQL).all({ order: orderId, now, limit }) as OrganisationPageVoucher[]),
  };
}
