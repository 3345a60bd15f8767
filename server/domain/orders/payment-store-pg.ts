/**
 * The card-payment path's store on PostgreSQL (see payment-store.ts): named prepared
 * statements on the unit of work's pooled connection, READ COMMITTED. What makes it right
 * without a global lock:
 * - the provider event's id is the primary key of provider_events, inserted `ON CONFLICT DO
 *   NOTHING`: a second delivery of the same event waits on the first's uncommitted row, then
 *   finds it and stops ('duplicate'); if the first rolled back, the second inserts and applies;
 * - the order's row is locked (`FOR UPDATE`) before anything is decided, so two different
 *   events for one payment (completed + async_payment_succeeded) queue there and the second
 *   reads `paid`; other orders are never waited for (except on the shared rows below);
 * - the payment row is unique per (provider, provider_ref), inserted `ON CONFLICT DO NOTHING`:
 *   no row back sends the unit of work round again (RunAgain), where the lookup finds it;
 * - voucher codes are unique (vouchers.code): a collision fails the unit of work, never
 *   issues a code twice.
 * The shared rows — the report aggregates, the campaign row (bonus caches, sold), the sale
 * journal's counter (VT) — are all written in the unit's last message, sent with COMMIT, in
 * the order the till takes them too: aggregates (held by the ledger writer), then ONE
 * write to the campaign row (every bonus move and sale of the unit folded together), then
 * the journal, then the order's `issue_journal_id` that refers to it (db/pg-write-behind.ts
 * `holdToEnd`). Before that message the unit locks only its own rows (event, order, payment,
 * new vouchers), so card payments and tills of one campaign queue on the hot rows for the
 * time of that message, and never deadlock. This store's order and outbox writes are held too
 * (a read of them sends them first), so no immediate query takes the aggregates early.
 */
import { createHash } from 'node:crypto';
import { getTableColumns } from 'drizzle-orm';
import { END_RANK, holdOne, type PgUnit } from '../../../db/pg-write-behind';
import { orders } from '../../../db/schema/index';
import { done, type Step } from '../../../db/unit-of-work';
import { issueInvoiceSteps } from '../invoices/invoice-store';
import { pgInvoiceStore } from '../invoices/invoice-store-pg';
import { orderBuyer } from './buyer-snapshot';
import { pgAudit } from '../audit/audit-log-pg';
import { normaliseBuyerEmail } from '../campaigns/bonus';
import { pgJournalStore } from '../ledger/ledger-repository-pg';
import { newId } from '../../lib/ids';
import { lockedRows, pgLedgerStore } from '../vouchers/voucher-ledger-repository-pg';
import type { Order, OrderItem } from './orders-repository';
import type { IssuingCampaign, PaymentStore } from './payment-store';

const ORDER_COLUMNS = Object.entries(getTableColumns(orders)).map(([key, c]) => [key, c.name] as const);
export const OCOLS = ORDER_COLUMNS.map(([key, name]) => `${name} AS "${key}"`).join(', ');
const columnOf = new Map(ORDER_COLUMNS);

/** A patch of an order as one UPDATE; its statement is named after the columns it sets (a handful of shapes; held writes use the text). */
export function orderUpdate(id: string, patch: Partial<Order>): { name: string; text: string; values: unknown[] } {
  const keys = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined) as (keyof Order)[];
  if (keys.length === 0) throw new Error('an empty order update');
  const sets = keys.map((k, i) => {
    const column = columnOf.get(k);
    if (!column) throw new Error(`orders has no column for ${String(k)}`);
    return `${column} = $${i + 2}`;
  });
  const name = `orders_update_${createHash('sha1').update(keys.join(',')).digest('hex').slice(0, 16)}`;
  return { name, text: `UPDATE orders SET ${sets.join(', ')} WHERE id = $1`, values: [id, ...keys.map((k) => patch[k])] };
}

/**
 * On the unit of work (db/pg-write-behind.ts): the ledger writer's and the journal's writes are
 * held to the unit's last statement; this store's own statements go at once (after what is held).
 */
export function pgPaymentStore(unit: PgUnit): PaymentStore {
  function* first<R>(name: string, text: string, values: unknown[]): Step<R | undefined> {
    return (yield* unit.query<R>(name, text, values)).rows[0];
  }
  const journals = pgJournalStore(unit, { toEnd: true });
  /** Journals this unit posted, held to its end: not in the table before the last message. */
  const posted = new Set<string>();
  /** Orders whose issue_journal_id is such a journal: written after it (foreign key), read back from here. */
  const issueJournalOf = new Map<string, string>();
  /** The campaign rows' deltas of this unit, written once at its end. */
  const campaignDeltas = new Map<string, { reserved: number; used: number; sold: number }>();
  function moveCampaign(id: string, d: { reserved?: number; used?: number; sold?: number }): Step<void> {
    const t = campaignDeltas.get(id) ?? { reserved: 0, used: 0, sold: 0 };
    t.reserved += d.reserved ?? 0;
    t.used += d.used ?? 0;
    t.sold += d.sold ?? 0;
    campaignDeltas.set(id, t);
    return unit.holdToEnd(`campaign:${id}`, END_RANK.campaign, {
      table: 'campaigns',
      parts: [['w', `UPDATE campaigns SET bonus_reserved_cents = bonus_reserved_cents + $2, bonus_used_cents = bonus_used_cents + $3, sold_cents = sold_cents + $4 WHERE id = $1 RETURNING 1`]],
      values: [id, t.reserved, t.used, t.sold],
      expect: { rows: 1, error: `campaign ${id}: no row for its bonus and sales` },
    });
  }
  function* count(name: string, text: string, values: unknown[]): Step<number> {
    return (yield* unit.query(name, text, values)).rowCount;
  }
  return {
    ...pgLedgerStore(unit, lockedRows()),
    *postJournal(j) {
      posted.add(j.id);
      yield* journals.postJournal(j);
    },
    *recordProviderEvent(e, now) {
      const n = yield* count(
        'pay_record_event',
        `INSERT INTO provider_events (id, provider, type, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
        [e.id, e.provider, e.type, now.toISOString()],
      );
      return n === 1;
    },
    *orderIdByCheckoutRef(ref) {
      const r = yield* first<{ id: string }>('pay_order_by_checkout', `SELECT id FROM orders WHERE checkout_ref = $1 LIMIT 1`, [ref]);
      return r?.id;
    },
    *orderForUpdate(id) {
      const o = yield* first<Order>('pay_order_for_update', `SELECT ${OCOLS} FROM orders WHERE id = $1 FOR UPDATE`, [id]);
      const journalId = issueJournalOf.get(id);
      return o && journalId ? { ...o, issueJournalId: journalId } : o;
    },
    *paymentExists(provider, ref) {
      const r = yield* first('pay_payment_exists', `SELECT 1 FROM payments WHERE provider = $1 AND provider_ref = $2`, [provider, ref]);
      return r !== undefined;
    },
    *insertPayment(p) {
      const n = yield* count(
        'pay_insert_payment',
        `INSERT INTO payments (id, order_id, provider, provider_ref, amount_cents, received_at, journal_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (provider, provider_ref) DO NOTHING`,
        [p.id, p.orderId, p.provider, p.providerRef, p.amountCents, p.receivedAt, p.journalId],
      );
      return n === 1;
    },
    *updateOrder(id, patch) {
      // The order is locked by this unit (orderForUpdate): its update can wait to the end like
      // the aggregates (the next immediate query sends it, so reads see it).
      let rest = patch;
      if (patch.issueJournalId !== undefined) {
        const { issueJournalId, ...others } = patch;
        const later = issueJournalId !== null && posted.has(issueJournalId);
        if (later) issueJournalOf.set(id, issueJournalId);
        else issueJournalOf.delete(id);
        yield* unit.holdToEnd(`order-journal:${id}`, END_RANK.journalRefs, later
          ? { table: 'orders', parts: [['w', `UPDATE orders SET issue_journal_id = $2 WHERE id = $1 RETURNING 1`]], values: [id, issueJournalId], expect: { rows: 1, error: `order ${id}: no row for its issuing journal` } }
          : null);
        rest = later ? others : patch;
      }
      if (Object.values(rest).every((v) => v === undefined)) return;
      const u = orderUpdate(id, rest);
      yield* holdOne(unit, 'orders', u.text, u.values, `order ${id}: not updated`);
    },
    *campaign(id) {
      const c = yield* first<IssuingCampaign>(
        'pay_campaign',
        `SELECT id, name, validity_days AS "validityDays", bonus_kind AS "bonusKind", bonus_cap_per_buyer_cents AS "bonusCapPerBuyerCents",
                bonus_budget_cents AS "bonusBudgetCents", bonus_reserved_cents AS "bonusReservedCents", bonus_used_cents AS "bonusUsedCents"
           FROM campaigns WHERE id = $1`,
        [id],
      );
      // The unit's own bonus moves, not yet written (see moveCampaign): read as if they were.
      const d = campaignDeltas.get(id);
      return c && d ? { ...c, bonusReservedCents: c.bonusReservedCents + d.reserved, bonusUsedCents: c.bonusUsedCents + d.used } : c;
    },
    moveBonus: (campaignId, reserved, used) => moveCampaign(campaignId, { reserved, used }),
    *buyerBonusCents(campaignId, email) {
      const r = yield* first<{ n: number }>(
        'pay_buyer_bonus',
        `SELECT COALESCE(SUM(bonus_cents), 0)::bigint AS n FROM orders WHERE campaign_id = $1 AND status <> 'cancelled' AND lower(trim(buyer_email)) = $2`,
        [campaignId, normaliseBuyerEmail(email)],
      );
      return r?.n ?? 0;
    },
    addSold: (campaignId, cents) => moveCampaign(campaignId, { sold: cents }),
    itemsForVouchers: (orderId, from, n, withBonus) =>
      (function* () {
        return (yield* unit.query<OrderItem & { before: number }>(
          'pay_items_for_vouchers',
          `SELECT * FROM (
             SELECT id, order_id AS "orderId", position, amount_cents AS "amountCents", quantity, recipient_name AS "recipientName",
                    recipient_email AS "recipientEmail", message, bonus,
                    (SUM(quantity) OVER (ORDER BY position ROWS UNBOUNDED PRECEDING) - quantity)::bigint AS "before"
               FROM order_items WHERE order_id = $1 AND (bonus = 0 OR $4::boolean)
           ) AS w WHERE "before" < $3 AND "before" + quantity > $2 ORDER BY position`,
          [orderId, from, from + n, withBonus],
        )).rows;
      })(),
    *issueOrganisationInvoice(order, campaignName, operator, now) {
      // As on SQLite (payment-store-sqlite.ts): lines summed by face value, the bonus line at
      // the bonus decided at payment; the buyer as typed for this order. Numbered from the
      // year's counter row, locked until this unit commits (invoice-store.ts).
      const byValue = (yield* unit.query<{ amountCents: number; quantity: number; bonus: number }>(
        'pay_items_by_value',
        `SELECT amount_cents AS "amountCents", SUM(quantity)::bigint AS quantity, bonus FROM order_items WHERE order_id = $1 GROUP BY amount_cents, bonus`,
        [order.id],
      )).rows;
      const items = byValue.map((i) => (i.bonus ? { ...i, amountCents: order.bonusCents } : i)).filter((i) => i.amountCents > 0);
      yield* issueInvoiceSteps(pgInvoiceStore((name, text, values) => unit.query(name, text, values)), { order, buyer: orderBuyer(order)!, items, campaignName, operator }, now);
    },
    // One held write for the whole list (two held writes to one table would send the first at once).
    enqueue: (list, now) =>
      list.length === 0
        ? done(undefined)
        : holdOne(
          unit,
          'outbox_messages',
          `INSERT INTO outbox_messages (id, kind, recipient, payload, status, attempts, next_attempt_at, created_at)
           SELECT x.id, x.kind, x.recipient, x.payload, 'pending', 0, $5, $5
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS x(id, kind, recipient, payload, ord) ORDER BY x.ord`,
          [list.map(() => newId()), list.map((m) => m.kind), list.map((m) => m.recipient), list.map((m) => JSON.stringify(m.payload)), now.toISOString()],
        ),
    audit: pgAudit(unit),
  };
}
