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

export interface TillStore extends LedgerStore, JournalStore {
  /** The shop's earlier redemption under this idempotency key (unique index). */
  redemptionByKey(merchantId: string, idempotencyKey: string): Step<Redemption | undefined>;
  /** The balance a redemption left on its voucher (its `redeem` movement). */
  balanceAfter(voucherId: string, redemptionId: string): Step<number>;
  /** The voucher by code, locked until the unit of work ends (PostgreSQL: FOR UPDATE). */
  voucherByCodeForUpdate(code: string): Step<Voucher | undefined>;
  /** Whether the shop takes this campaign's vouchers (joined and approved). */
  acceptedHere(merchantId: string, campaignId: string): Step<boolean>;
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
