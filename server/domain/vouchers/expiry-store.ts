/**
 * What one expiry chunk (expiry-service.ts) asks of the database, as steps
 * (db/unit-of-work.ts) so the same chunk runs on either backend. Implementations:
 * expiry-store-sqlite.ts (prepared statements inside BEGIN IMMEDIATE) and expiry-store-pg.ts
 * (PostgreSQL, READ COMMITTED, the chunk's vouchers locked FOR UPDATE).
 */
import type { Step } from '../../../db/unit-of-work';
import type { AuditInput } from '../audit/audit-log';
import type { JournalStore } from '../ledger/journal-store';
import type { BreakageRule, Weight } from './breakage';
import type { LedgerStore } from './ledger-store';

/** A voucher due to expire; `after` is the keyset cursor its chunk continues from (rowid on SQLite, id on PostgreSQL). */
export interface ExpiryCandidate {
  after: string | number;
  id: string;
  balanceCents: number;
}

export interface ExpiryStore extends LedgerStore, JournalStore {
  campaign(id: string): Step<{ slug: string; rule: BreakageRule }>;
  /**
   * The next `limit` due vouchers of the campaign past the cursor, in cursor order (PostgreSQL:
   * locked; a voucher a concurrent run emptied meanwhile is re-checked and left out).
   */
  dueChunk(campaignId: string, after: string | number | null, at: string, limit: number): Step<ExpiryCandidate[]>;
  /** What each shop has redeemed in the campaign (completed redemptions): the `merchants` rule's key. */
  redeemedByMerchant(campaignId: string): Step<Weight[]>;
  audit(e: AuditInput, now: Date): Step<void>;
}
