/**
 * Order creation's store on PostgreSQL (see order-creation-store.ts): named prepared
 * statements on the unit of work's pooled connection, READ COMMITTED. What keeps it right
 * without SQLite's file lock:
 * - the sponsor bonus is decided on the campaign's row read `FOR UPDATE`: two orders of a
 *   bonus campaign queue there, the second reads the budget and the buyer's orders as the
 *   first committed them (its reservation and its order row);
 * - an order's lines go in one statement (unnest of arrays): 10 000 lines are one round trip;
 * - two orders creating the same organisation at once: (siret, contact email) is unique,
 *   the second insert waits for the first and finds its row taken (ON CONFLICT DO NOTHING):
 *   its unit of work runs again (RunAgain) and finds the organisation, as on SQLite where
 *   the write lock orders them.
 */
import { getTableColumns, type Table } from 'drizzle-orm';
import type pg from 'pg';
import { campaigns, orders, organisations } from '../../../db/schema/index';
import { preparedOn } from '../../../db/postgres';
import { awaited, RunAgain, type Step } from '../../../db/unit-of-work';
import { newId } from '../../lib/ids';
import { normaliseBuyerEmail } from '../campaigns/bonus';
import { toCampaign, type Campaign } from '../campaigns/campaign';
import type { Organisation } from '../organisations/organisations-repository';
import type { OrderCreationStore } from './order-creation-store';
import type { Order } from './orders-repository';
import { orderUpdate } from './payment-store-pg';

/** `column AS "key"` for every column of a Drizzle table (the SQLite schema: the same names on both). */
export function selectList(table: Table): string {
  return Object.entries(getTableColumns(table)).map(([key, c]) => `${c.name} AS "${key}"`).join(', ');
}

/** An INSERT of one row of a table, every column, in the schema's order. */
function insertOf(table: Table, tableName: string): { text: string; keys: string[] } {
  const cols = Object.entries(getTableColumns(table));
  return {
    text: `INSERT INTO ${tableName} (${cols.map(([, c]) => c.name).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
    keys: cols.map(([key]) => key),
  };
}

const CAMPAIGN = selectList(campaigns);
const ORDER = selectList(orders);
const ORG = selectList(organisations);
const ORDER_INSERT = insertOf(orders, 'orders');
const ORG_INSERT = insertOf(organisations, 'organisations');

export function pgOrderCreationStore(client: pg.ClientBase): OrderCreationStore {
  const q = preparedOn(client);
  const first = <R>(name: string, text: string, values: unknown[]): Step<R | undefined> => awaited(async () => (await q<R>(name, text, values)).rows[0]);
  const run = (name: string, text: string, values: unknown[]): Step<void> => awaited(async () => void (await q(name, text, values)));
  const campaign = function* (name: string, text: string, value: string): Step<Campaign | undefined> {
    const row = yield* first<Parameters<typeof toCampaign>[0]>(name, text, [value]);
    return row && toCampaign(row);
  };
  return {
    campaignBySlug: (slug) => campaign('order_campaign_by_slug', `SELECT ${CAMPAIGN} FROM campaigns WHERE slug = $1`, slug),
    campaignForBonus: (id) => campaign('order_campaign_for_bonus', `SELECT ${CAMPAIGN} FROM campaigns WHERE id = $1 FOR UPDATE`, id),
    *setting(key) {
      return (yield* first<{ value: string }>('order_setting', `SELECT value FROM settings WHERE key = $1`, [key]))?.value;
    },
    organisationByContact: (siret, email) =>
      first<Organisation>('order_org_by_contact', `SELECT ${ORG} FROM organisations WHERE siret = $1 AND contact_email = $2 LIMIT 1`, [siret, email]),
    *insertOrganisation(org) {
      const n = yield* awaited(async () => (await q('order_insert_org', `${ORG_INSERT.text} ON CONFLICT (siret, contact_email) DO NOTHING`, ORG_INSERT.keys.map((k) => (org as unknown as Record<string, unknown>)[k] ?? null))).rowCount);
      if (n !== 1) throw new RunAgain('organisation created by a concurrent order');
    },
    *buyerBonusCents(campaignId, email) {
      const r = yield* first<{ n: number }>(
        'order_buyer_bonus',
        `SELECT COALESCE(SUM(bonus_cents), 0)::bigint AS n FROM orders WHERE campaign_id = $1 AND status <> 'cancelled' AND lower(trim(buyer_email)) = $2`,
        [campaignId, normaliseBuyerEmail(email)],
      );
      return r?.n ?? 0;
    },
    *insertOrder(order: Order, items) {
      yield* run('order_insert', ORDER_INSERT.text, ORDER_INSERT.keys.map((k) => (order as unknown as Record<string, unknown>)[k] ?? null));
      if (items.length === 0) return;
      yield* run(
        'order_insert_items',
        `INSERT INTO order_items (id, order_id, position, amount_cents, quantity, recipient_name, recipient_email, message, bonus)
         SELECT id, $1, position, amount_cents, quantity, recipient_name, recipient_email, message, bonus
           FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::bigint[])
             AS l(id, position, amount_cents, quantity, recipient_name, recipient_email, message, bonus)`,
        [
          order.id,
          items.map((i) => i.id),
          items.map((i) => i.position),
          items.map((i) => i.amountCents),
          items.map((i) => i.quantity),
          items.map((i) => i.recipientName),
          items.map((i) => i.recipientEmail),
          items.map((i) => i.message),
          items.map((i) => (i.bonus ? 1 : 0)),
        ],
      );
    },
    reserveBonus: (campaignId, cents) =>
      run('order_reserve_bonus', `UPDATE campaigns SET bonus_reserved_cents = bonus_reserved_cents + $2 WHERE id = $1`, [campaignId, cents]),
    *enqueue(list, now) {
      const at = now.toISOString();
      for (const m of list) {
        yield* run(
          'order_enqueue',
          `INSERT INTO outbox_messages (id, kind, recipient, payload, status, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)`,
          [newId(), m.kind, m.recipient, JSON.stringify(m.payload), at],
        );
      }
    },
    updateOrder: (id, patch) => {
      const u = orderUpdate(id, patch);
      return run(u.name, u.text, u.values);
    },
  };
}

/** One order by id on the pool (a single statement, no transaction). */
export async function pgOrderById(pool: pg.Pool, id: string): Promise<Order | undefined> {
  return (await pool.query<Order>({ name: 'order_by_id', text: `SELECT ${ORDER} FROM orders WHERE id = $1`, values: [id] })).rows[0];
}

/** The order of a provider's checkout, on the pool. */
export async function pgOrderByCheckoutRef(pool: pg.Pool, ref: string): Promise<Order | undefined> {
  return (await pool.query<Order>({ name: 'order_by_checkout_ref', text: `SELECT ${ORDER} FROM orders WHERE checkout_ref = $1 LIMIT 1`, values: [ref] })).rows[0];
}
