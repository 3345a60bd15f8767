/**
 * The refund paths' store on PostgreSQL (see refund-store.ts): named prepared statements on
 * the unit of work's pooled connection, READ COMMITTED. What makes it right without a global
 * lock:
 * - every refund unit locks the order's row first (`FOR UPDATE`): the operator's refund and
 *   the provider's events for it queue there, and the refund row read after the wait is the
 *   latest committed one (a second `refund.updated` finds it settled and changes nothing);
 * - then the order's vouchers, `FOR UPDATE` in id order (the expiry chunk's order): a till
 *   redeeming one of them either committed before (its balance is what the refund computes
 *   from) or waits, and then meets the hold (VOUCHER_BLOCKED) or the cancelled voucher;
 * - the refund row is unique per (provider, provider_ref): two refunds never claim one
 *   provider refund.
 * The money goes through the ledger writer's store (voucher-ledger-repository-pg.ts) and the
 * journal's (ledger-repository-pg.ts), whose writes are held to the unit's last statement.
 */
import { createHash } from 'node:crypto';
import { getTableColumns } from 'drizzle-orm';
import type { PgUnit } from '../../../db/pg-write-behind';
import { refunds } from '../../../db/schema/index';
import type { Step } from '../../../db/unit-of-work';
import { pgAudit } from '../audit/audit-log-pg';
import type { JournalLine } from '../ledger/accounts';
import { pgJournalStore } from '../ledger/ledger-repository-pg';
import type { Voucher } from '../vouchers/voucher';
import { lockedRows, pgLedgerStore, PG_VOUCHER_COLUMNS } from '../vouchers/voucher-ledger-repository-pg';
import type { Order } from './orders-repository';
import { OCOLS, orderUpdate } from './payment-store-pg';
import type { RefundStore } from './refund-store';
import type { OrderVoucher, Refund } from './refunds-repository';

const REFUND_COLUMNS = Object.entries(getTableColumns(refunds)).map(([key, c]) => [key, c.name] as const);
const RCOLS = REFUND_COLUMNS.map(([key, name]) => `${name} AS "${key}"`).join(', ');
const refundColumn = new Map(REFUND_COLUMNS);

function refundUpdate(id: string, patch: Partial<Refund>): { name: string; text: string; values: unknown[] } {
  const keys = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined) as (keyof Refund)[];
  if (keys.length === 0) throw new Error('an empty refund update');
  const sets = keys.map((k, i) => {
    const column = refundColumn.get(k);
    if (!column) throw new Error(`refunds has no column for ${String(k)}`);
    return `${column} = $${i + 2}`;
  });
  const name = `refunds_update_${createHash('sha1').update(keys.join(',')).digest('hex').slice(0, 16)}`;
  return { name, text: `UPDATE refunds SET ${sets.join(', ')} WHERE id = $1`, values: [id, ...keys.map((k) => patch[k])] };
}

const byIssueThenCode = (a: Voucher, b: Voucher) => (a.issuedAt < b.issuedAt ? -1 : a.issuedAt > b.issuedAt ? 1 : a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

export function pgRefundStore(unit: PgUnit): RefundStore {
  const locked = lockedRows();
  function* first<R>(name: string, text: string, values: unknown[]): Step<R | undefined> {
    return (yield* unit.query<R>(name, text, values)).rows[0];
  }
  function* all<R>(name: string, text: string, values: unknown[]): Step<R[]> {
    return (yield* unit.query<R>(name, text, values)).rows;
  }
  function* run(name: string, text: string, values: unknown[]): Step<void> {
    yield* unit.query(name, text, values);
  }
  return {
    ...pgLedgerStore(unit, locked),
    ...pgJournalStore(unit),
    orderForUpdate: (id) => first<Order>('refund_order_for_update', `SELECT ${OCOLS} FROM orders WHERE id = $1 FOR UPDATE`, [id]),
    updateOrder: (id, patch) => {
      const u = orderUpdate(id, patch);
      return run(u.name, u.text, u.values);
    },
    refund: (id) => first<Refund>('refund_by_id', `SELECT ${RCOLS} FROM refunds WHERE id = $1`, [id]),
    refundByProviderRef: (provider, ref) => first<Refund>('refund_by_provider_ref', `SELECT ${RCOLS} FROM refunds WHERE provider = $1 AND provider_ref = $2`, [provider, ref]),
    pendingRefund: (orderId) => first<Refund>('refund_pending_of_order', `SELECT ${RCOLS} FROM refunds WHERE order_id = $1 AND status = 'pending' LIMIT 1`, [orderId]),
    insertRefund: (r) =>
      run(
        'refund_insert',
        `INSERT INTO refunds (id, order_id, provider, provider_ref, amount_cents, status, actor, reason, journal_id, failure_reason, settled_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [r.id, r.orderId, r.provider, r.providerRef, r.amountCents, r.status, r.actor, r.reason, r.journalId, r.failureReason, r.settledAt, r.createdAt],
      ),
    updateRefund: (id, patch) => {
      const u = refundUpdate(id, patch);
      return run(u.name, u.text, u.values);
    },
    cardPayment: (orderId) =>
      first<{ provider: string; providerRef: string }>(
        'refund_card_payment',
        `SELECT provider, provider_ref AS "providerRef" FROM payments WHERE order_id = $1 AND provider <> 'bank_transfer' ORDER BY received_at LIMIT 1`,
        [orderId],
      ),
    *orderVouchersForUpdate(orderId) {
      const rows = yield* all<Voucher & { bonus: number }>(
        'refund_order_vouchers_for_update',
        `SELECT ${PG_VOUCHER_COLUMNS}, (SELECT i.bonus FROM order_items i WHERE i.id = vouchers.order_item_id) AS bonus
           FROM vouchers WHERE order_id = $1 ORDER BY id FOR UPDATE`,
        [orderId],
      );
      const out: OrderVoucher[] = [];
      for (const { bonus, ...v } of rows) {
        // Locked by this unit: the ledger writer answers from this copy (no second read).
        locked.vouchers.set(v.id, { ...v });
        out.push({ ...v, bonus: Number(bonus) === 1 });
      }
      return out.sort(byIssueThenCode);
    },
    journalLines: (journalId) =>
      all<JournalLine>('refund_journal_lines', `SELECT account, amount_cents AS "amountCents" FROM journal_lines WHERE journal_id = $1 ORDER BY id`, [journalId]),
    *cancelledByJournal(journalId) {
      const rows = yield* all<Voucher & { movedCents: number }>(
        'refund_cancelled_by_journal',
        `SELECT ${PG_VOUCHER_COLUMNS.replace(/(^|,\s*)([a-z_]+)/g, '$1v.$2')}, m.amount_cents AS "movedCents"
           FROM movements m JOIN vouchers v ON v.id = m.voucher_id
          WHERE m.journal_id = $1 AND m.kind = 'cancel' ORDER BY v.code`,
        [journalId],
      );
      return rows.filter((r) => r.movedCents < 0).map(({ movedCents, ...voucher }) => ({ voucher, cents: -movedCents }));
    },
    audit: pgAudit(unit),
  };
}
