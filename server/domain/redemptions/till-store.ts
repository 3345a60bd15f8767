/**
 * What the till's money paths (redemption and void, redemptions-service.ts) ask of the
 * database, as steps (db/unit-of-work.ts). Implementations: till-store-sqlite.ts (prepared
 * statements inside BEGIN IMMEDIATE / group commit) and till-store-pg.ts (PostgreSQL, named
 * prepared statements on a pooled connection inside a READ COMMITTED unit of work).
 */
import type { Step } from '../../../db/unit-of-work';
import type { AuditInput } from '../audit/audit-log';
import type { JournalStore } from '../ledger/journal-store';
import type { LedgerStore } from '../vouchers/ledger-store';
import type { Voucher } from '../vouchers/voucher';
import type { Redemption } from './redemption';

export type NewRedemption = Omit<Redemption, 'number'>;

/** What a redemption starts from (TillStore.openRedemption). */
export interface OpenedRedemption {
  /** The shop's earlier redemption under this idempotency key (unique index). */
  previous: Redemption | undefined;
  /** The voucher by code, locked until the unit of work ends; not read (SQLite) after a `previous`. */
  voucher: Voucher | undefined;
  /** Whether the shop takes this voucher's campaign (joined and approved). */
  accepted: boolean;
}

export interface TillStore extends LedgerStore, JournalStore {
  /**
   * The idempotency lookup, then the voucher by code locked until the unit of work ends
   * (SQLite: BEGIN IMMEDIATE already holds the write lock; PostgreSQL: FOR UPDATE), then the
   * acceptance — in that order. PostgreSQL sends the three statements in one message.
   */
  openRedemption(merchantId: string, idempotencyKey: string, code: string): Step<OpenedRedemption>;
  /** The balance a redemption left on its voucher (its `redeem` movement). */
  balanceAfter(voucherId: string, redemptionId: string): Step<number>;
  /**
   * Inserts the redemption with the next number (SQLite: MAX+1 under the write lock;
   * PostgreSQL: redemption_number_seq). null when the (shop, key) was taken meanwhile by a
   * concurrent unit of work (PostgreSQL's ON CONFLICT DO NOTHING): the caller runs again.
   */
  insertRedemption(r: NewRedemption): Step<number | null>;
  /** The campaign's progress cache. */
  addRedeemed(campaignId: string, cents: number): Step<void>;
  /** The shop's redemption by id, locked until the unit of work ends; another shop's is not found. */
  shopRedemptionForUpdate(merchantId: string, id: string): Step<Redemption | undefined>;
  /** Conditional: only a completed, unsettled redemption; false if it moved. */
  markVoided(id: string, at: string, by: string, journalId: string): Step<boolean>;
  audit(e: AuditInput, now: Date): Step<void>;
}
