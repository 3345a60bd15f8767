/**
 * What the card-payment money path (a provider's event → the order paid → its vouchers
 * issued through the ledger writer → the sale's journal → the mails) asks of the database,
 * as steps (db/unit-of-work.ts), so one source runs on both backends. Implementations:
 * payment-store-sqlite.ts (today's repositories, inside BEGIN IMMEDIATE) and
 * payment-store-pg.ts (named prepared statements, READ COMMITTED, the order's row locked).
 */
import type { Step } from '../../../db/unit-of-work';
import type { Seller } from '../../invoices/invoice-document';
import type { AuditInput } from '../audit/audit-log';
import type { JournalStore } from '../ledger/journal-store';
import type { LedgerStore } from '../vouchers/ledger-store';
import type { Order, OrderItem } from './orders-repository';

/** What issuing needs of the campaign (and the bonus rules, for an order paid after it was cancelled). */
export interface IssuingCampaign {
  id: string;
  name: string;
  validityDays: number;
  bonusKind: string;
  bonusCapPerBuyerCents: number | null;
  bonusBudgetCents: number;
  bonusReservedCents: number;
  bonusUsedCents: number;
}

export interface NewPayment {
  id: string;
  orderId: string;
  provider: string;
  providerRef: string;
  amountCents: number;
  receivedAt: string;
  journalId: string;
}

export interface OutboxEntry {
  kind: string;
  recipient: string;
  payload: object;
}

export interface PaymentStore extends LedgerStore, JournalStore {
  /** Records a provider event id (primary key); false when it was recorded already (a replay, or a concurrent delivery that committed first). */
  recordProviderEvent(e: { id: string; provider: string; type: string }, now: Date): Step<boolean>;
  orderIdByCheckoutRef(ref: string): Step<string | undefined>;
  /**
   * The order, locked until the unit of work ends (SQLite: BEGIN IMMEDIATE holds the file;
   * PostgreSQL: FOR UPDATE, the latest committed row): concurrent events for one order queue here.
   */
  orderForUpdate(id: string): Step<Order | undefined>;
  paymentExists(provider: string, providerRef: string): Step<boolean>;
  /** False when the unique (provider, provider_ref) was taken meanwhile by a concurrent unit of work. */
  insertPayment(p: NewPayment): Step<boolean>;
  updateOrder(id: string, patch: Partial<Order>): Step<void>;
  campaign(id: string): Step<IssuingCampaign | undefined>;
  /** The sponsor bonus's caches on the campaign row (see bonus-repository.ts). */
  moveBonus(campaignId: string, reserved: number, used: number): Step<void>;
  /** Bonus the buyer already holds on the campaign (non-cancelled orders), by normalised email. */
  buyerBonusCents(campaignId: string, email: string): Step<number>;
  addSold(campaignId: string, cents: number): Step<void>;
  /** The lines holding vouchers from … from + count − 1 (see orders-repository.ts orderItemsForVouchers). */
  itemsForVouchers(orderId: string, from: number, count: number, withBonus: boolean): Step<(OrderItem & { before: number })[]>;
  /** An organisation's order is invoiced when it is paid. */
  issueOrganisationInvoice(order: Order, campaignName: string, operator: Seller, now: Date): Step<void>;
  enqueue(list: readonly OutboxEntry[], now: Date): Step<void>;
  audit(e: AuditInput, now: Date): Step<void>;
}
