/**
 * Voucher support's store on PostgreSQL (see support-store.ts): the ledger writer's and the
 * journal's PostgreSQL stores on one unit of work. The voucher is read FOR UPDATE first
 * (`voucherForUpdate`): a till redeeming it meanwhile either committed before (the action
 * decides on its balance) or waits for the action and then meets its outcome (blocked,
 * cancelled, the adjusted balance).
 */
import type { PgUnit } from '../../../db/pg-write-behind';
import { pgAudit } from '../audit/audit-log-pg';
import { pgJournalStore } from '../ledger/ledger-repository-pg';
import type { SupportStore } from './support-store';
import { lockedRows, pgLedgerStore } from './voucher-ledger-repository-pg';

export function pgSupportStore(unit: PgUnit): SupportStore {
  return { ...pgLedgerStore(unit, lockedRows()), ...pgJournalStore(unit), audit: pgAudit(unit) };
}
