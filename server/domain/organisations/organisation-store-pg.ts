/**
 * The organisation store (organisation-store.ts) on PostgreSQL: named prepared statements on
 * one pooled connection. The two writes that may race (the waiting link opened twice, an
 * order confirmed twice) are conditional updates: the row decides, the loser sees 0 rows.
 */
import type pg from 'pg';
import { orders, organisations } from '../../../db/schema/index';
import { preparedOn } from '../../../db/postgres';
import { positional } from '../../../db/read-program';
import { awaited, type Step } from '../../../db/unit-of-work';
import { newId } from '../../lib/ids';
import { selectList } from '../orders/order-creation-store-pg';
import type { Order } from '../orders/orders-repository';
import type { Organisation } from './organisations-repository';
import { ORDER_VOUCHER_COUNT_SQL, ORG_FIRST_VOUCHERS_SQL, ORG_VOUCHER_COUNTS_SQL, type OrganisationPageVoucher, type OrganisationStore } from './organisation-store';

const ORG = selectList(organisations);
const ORDER = selectList(orders);

export function pgOrganisationStore(client: pg.ClientBase): OrganisationStore {
  const q = preparedOn(client);
  const rows = <R>(name: string, text: string, values: unknown[]): Step<R[]> => awaited(async () => (await q<R>(name, text, values)).rows);
  const changed = (name: string, text: string, values: unknown[]): Step<number> => awaited(async () => (await q(name, text, values)).rowCount);
  function* first<R>(name: string, text: string, values: unknown[]): Step<R | undefined> {
    return (yield* rows<R>(name, text, values))[0];
  }
  // The page's voucher queries are the SQLite store's own text (@name parameters made positional).
  const program = <R>(name: string, sql: string, params: Record<string, string | number>) => {
    const { text, values } = positional(sql, params);
    return rows<R>(name, text, values);
  };
  return {
    organisation: (id) => first<Organisation>('org_by_id', `SELECT ${ORG} FROM organisations WHERE id = $1`, [id]),
    organisationByContact: (siret, email) => first<Organisation>('org_by_contact', `SELECT ${ORG} FROM organisations WHERE siret = $1 AND contact_email = $2 LIMIT 1`, [siret, email]),
    *takeNextLink(id, hash) {
      const n = yield* changed('org_take_next_link', `UPDATE organisations SET access_token_hash = $2, next_access_token_hash = NULL WHERE id = $1 AND next_access_token_hash = $2`, [id, hash]);
      return n === 1;
    },
    *setNextLink(id, hash) {
      yield* changed('org_set_next_link', `UPDATE organisations SET next_access_token_hash = $2 WHERE id = $1`, [id, hash]);
    },
    *updateDetails(id, d) {
      yield* changed(
        'org_update_details',
        `UPDATE organisations SET name = $2, vat_number = $3, billing_address = $4, postal_code = $5, city = $6, contact_name = $7 WHERE id = $1`,
        [id, d.name, d.vatNumber, d.billingAddress, d.postalCode, d.city, d.contactName],
      );
    },
    order: (id) => first<Order>('org_order', `SELECT ${ORDER} FROM orders WHERE id = $1`, [id]),
    *confirmOrder(id, at) {
      return (yield* changed('org_confirm_order', `UPDATE orders SET organisation_confirmed_at = $2 WHERE id = $1 AND organisation_confirmed_at IS NULL`, [id, at])) === 1;
    },
    *enqueue(msg, now) {
      const at = now.toISOString();
      yield* changed(
        'org_enqueue',
        `INSERT INTO outbox_messages (id, kind, recipient, payload, status, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)`,
        [newId(), msg.kind, msg.recipient, JSON.stringify(msg.payload), at],
      );
    },
    pageOrders: (organisationId) =>
      rows<Order>('org_page_orders', `SELECT ${ORDER} FROM orders WHERE organisation_id = $1 AND organisation_confirmed_at IS NOT NULL ORDER BY created_at DESC`, [organisationId]),
    voucherStatusCounts: (orderId, now) => program<{ status: string; n: number }>('org_voucher_counts', ORG_VOUCHER_COUNTS_SQL, { order: orderId, now }),
    *orderVoucherCount(orderId, opts) {
      const [row] = yield* program<{ n: number }>('org_order_voucher_count', ORDER_VOUCHER_COUNT_SQL, { order: orderId, bonus: opts.bonus ? 1 : 0 });
      return Number(row?.n ?? 0);
    },
    firstVouchers: (orderId, now, limit) => program<OrganisationPageVoucher>('org_first_vouchers', ORG_FIRST_VOUCHERS_SQL, { order: orderId, now, limit }),
  };
}
