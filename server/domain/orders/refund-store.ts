/**
 * What the refund paths ask of the database — the operator's refund (refunds-service.ts) and
 * the provider's refund events (refund-events.ts) — as steps (db/unit-of-work.ts), so one
 * source runs on both backends. Implementations: refund-store-sqlite.ts (today's repository
 * statements, inside BEGIN IMMEDIATE) and refund-store-pg.ts (prepared statements, READ
 * COMMITTED, the order's row and then its vouchers' rows locked before anything is decided).
 */
import type { Step } from '../../../db/unit-of-work';
import type { AuditInput } from '../audit/audit-log';
import type { JournalLine } from '../ledger/accounts';
import type { JournalStore } from '../ledger/journal-store';
import type { Voucher } from '../vouchers/voucher';
import type { LedgerStore } from '../vouchers/ledger-store';
import type { Order } from './orders-repository';
import type { OrderVoucher, Refund } from './refunds-repository';

export interface RefundStore extends LedgerStore, JournalStore {
  /**
   * The order, locked until the unit of work ends (SQLite: BEGIN IMMEDIATE holds the file;
   * PostgreSQL: FOR UPDATE). Every refund unit takes it first, so two refund units of one
   * order — an operator's and a provider's event, or two events — queue here and the second
   * reads the refund rows as the first left them.
   */
  orderForUpdate(id: string): Step<Order | undefined>;
  updateOrder(id: string, patch: Partial<Order>): Step<void>;
  refund(id: string): Step<Refund | undefined>;
  refundByProviderRef(provider: string, providerRef: string): Step<Refund | undefined>;
  pendingRefund(orderId: string): Step<Refund | undefined>;
  insertRefund(r: Refund): Step<void>;
  updateRefund(id: string, patch: Partial<Refund>): Step<void>;
  /** The order's card payment (bank transfers are refunded by the operator's bank). */
  cardPayment(orderId: string): Step<{ provider: string; providerRef: string } | undefined>;
  /**
   * The order's vouchers with their bonus flag (issue date, code order), locked (PostgreSQL:
   * FOR UPDATE, in id order like the expiry chunk): a till cannot move a balance between the
   * amount's computation and the hold or the cancel.
   */
  orderVouchersForUpdate(orderId: string): Step<OrderVoucher[]>;
  journalLines(journalId: string): Step<JournalLine[]>;
  /** The vouchers a booked refund cancelled, with what each cancel movement took (cents > 0). */
  cancelledByJournal(journalId: string): Step<{ voucher: Voucher; cents: number }[]>;
  audit(e: AuditInput, now: Date): Step<void>;
}
