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
import type { Step } from '../../../db/unit-of-work';
import type { Voucher } from './voucher';
import { lockedRows, pgLedgerStore, PG_VOUCHER_COLUMNS } from './voucher-ledger-repository-pg';

export function pgSupportStore(unit: PgUnit): SupportStore {
  function* first(name: string, text: string, values: unknown[]): Step<Voucher | undefined> {
    return (yield* unit.query<Voucher>(name, text, values)).rows[0];
  }
  return {
    ...pgLedgerStore(unit, lockedRows()),
    ...pgJournalStore(unit),
    voucherByCode: (code) => first('support_voucher_by_code', `SELECT ${PG_VOUCHER_COLUMNS} FROM vouchers WHERE code = $1`, [code]),
    voucherById: (id) => first('support_voucher_by_id', `SELECT ${PG_VOUCHER_COLUMNS} FROM vouchers WHERE id = $1`, [id]),
    audit: pgAudit(unit),
  };
}
