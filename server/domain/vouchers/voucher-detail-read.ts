/**
 * What the back-office's voucher page shows, as one read program (db/read-program.ts): the
 * voucher, its campaign and order, its movements with the shop of each redemption, its
 * support history from the audit log and the names behind every actor — written once in
 * portable SQL, run by `readOn` on one snapshot of SQLite or PostgreSQL.
 */
import type { Dialect, ReadProgram, Row } from '../../../db/read-program';
import { quotedAliases } from '../../../db/postgres';
import { auditNamesProgram, entityAuditProgram } from '../audit/audit-log-read';
import type { AuditEntry } from '../audit/audit-log';
import type { AuditNames } from '../audit/audit-names';
import { parseCode } from '../../lib/codes';
import type { Voucher } from './voucher';
import { VOUCHER_COLUMNS } from './vouchers-repository';

// Quoted camelCase aliases: PostgreSQL would fold them to lower case, SQLite keeps them as written.
const COLUMNS = quotedAliases(VOUCHER_COLUMNS);

export interface VoucherMovementRow {
  seq: number; kind: string; amountCents: number; balanceAfterCents: number; actor: string; reason: string | null; createdAt: string;
  redemptionNumber: string | null; redemptionStatus: string | null; shopName: string | null;
}

export interface VoucherDetail {
  voucher: Voucher;
  info: { campaignName: string; orderReference: string; buyerName: string; buyerEmail: string; organisation: string | null };
  /** The voucher this one replaces (a reissue), by code. */
  reissuedFromCode: string | undefined;
  movements: VoucherMovementRow[];
  audits: AuditEntry[];
  /** Movements and audit entries name their actor the same way (`payment:demo`, `operator:…`): both looked up at once. */
  names: AuditNames;
}

/** The voucher behind a URL segment: its code in any spelling, else its id (audit log links). */
export function* voucherByCodeOrIdProgram(raw: string): ReadProgram<Voucher | undefined> {
  const parsed = parseCode(raw);
  if (parsed.ok) {
    const [byCode] = yield { sql: `SELECT ${COLUMNS} FROM vouchers WHERE code = @code`, params: { code: parsed.code } };
    if (byCode) return byCode as unknown as Voucher;
  }
  const [byId] = yield { sql: `SELECT ${COLUMNS} FROM vouchers WHERE id = @id`, params: { id: raw } };
  return byId as unknown as Voucher | undefined;
}

/** The page's reads; undefined when no voucher answers to `raw`. */
export function voucherDetailProgram(raw: string) {
  return function* (_dialect: Dialect): ReadProgram<VoucherDetail | undefined> {
    const voucher = yield* voucherByCodeOrIdProgram(raw);
    if (!voucher) return undefined;
    const [info] = yield {
      sql: `SELECT c.name AS "campaignName", o.reference AS "orderReference", o.buyer_name AS "buyerName", o.buyer_email AS "buyerEmail", o.organisation
        FROM vouchers v JOIN campaigns c ON c.id = v.campaign_id JOIN orders o ON o.id = v.order_id WHERE v.id = @id`,
      params: { id: voucher.id },
    };
    const from: Row[] = voucher.reissuedFrom ? yield { sql: 'SELECT code FROM vouchers WHERE id = @id', params: { id: voucher.reissuedFrom } } : [];
    // Every movement with the shop of its redemption, oldest first.
    const movements = (yield {
      sql: `SELECT m.seq, m.kind, m.amount_cents AS "amountCents", m.balance_after_cents AS "balanceAfterCents", m.actor, m.reason, m.created_at AS "createdAt",
          r.number AS "redemptionNumber", r.status AS "redemptionStatus", mc.name AS "shopName"
        FROM movements m LEFT JOIN redemptions r ON r.id = m.redemption_id LEFT JOIN merchants mc ON mc.id = r.merchant_id
        WHERE m.voucher_id = @id ORDER BY m.seq`,
      params: { id: voucher.id },
    }) as unknown as VoucherMovementRow[];
    const audits = yield* entityAuditProgram('voucher', voucher.id);
    const names = yield* auditNamesProgram([...audits, ...movements.map((m) => ({ actor: m.actor, entityType: '', entityId: '' }))]);
    return {
      voucher,
      info: info as unknown as VoucherDetail['info'],
      reissuedFromCode: from[0] ? String(from[0].code) : undefined,
      movements,
      audits,
      names,
    };
  };
}
