/**
 * What voucher support (support-service.ts: block / unblock, reissue, adjust) asks of the
 * database, as steps: the ledger writer's store (the voucher read and locked, movements,
 * aggregates), the journal's, and the audit log. SQLite: today's statements inside BEGIN
 * IMMEDIATE (below); PostgreSQL: support-store-pg.ts, READ COMMITTED with the voucher's row
 * locked FOR UPDATE before anything is decided.
 */
import type { Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import { audit, type AuditInput } from '../audit/audit-log';
import type { JournalStore } from '../ledger/journal-store';
import { sqliteJournalStore } from '../ledger/ledger-repository';
import type { LedgerStore } from './ledger-store';
import { sqliteLedgerStore } from './voucher-ledger-repository';

export interface SupportStore extends LedgerStore, JournalStore {
  audit(e: AuditInput, now: Date): Step<void>;
}

export function sqliteSupportStore(tx: Tx): SupportStore {
  return { ...sqliteLedgerStore(tx), ...sqliteJournalStore(tx), audit: (e, now) => done(audit(tx, e, now)) };
}
