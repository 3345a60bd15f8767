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
import type { Voucher } from './voucher';
import { findVoucherByCode, findVoucherById } from './vouchers-repository';
import { sqliteLedgerStore } from './voucher-ledger-repository';

export interface SupportStore extends LedgerStore, JournalStore {
  /** Plain look-ups (no lock), for the page that names a voucher by code or id. */
  voucherByCode(code: string): Step<Voucher | undefined>;
  voucherById(id: string): Step<Voucher | undefined>;
  audit(e: AuditInput, now: Date): Step<void>;
}

export function sqliteSupportStore(tx: Tx): SupportStore {
  return {
    ...sqliteLedgerStore(tx),
    ...sqliteJournalStore(tx),
    voucherByCode: (code) => done(findVoucherByCode(tx, code)),
    voucherById: (id) => done(findVoucherById(tx, id)),
    audit: (e, now) => done(audit(tx, e, now)),
  };
}
