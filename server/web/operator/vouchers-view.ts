import { actionLabel, actorLabel } from './audit-labels';
import { z } from 'zod';
import type { Database_ } from '../../../db/client';
import type { Dialect, ReadProgram } from '../../../db/read-program';
import type { AuditEntry } from '../../domain/audit/audit-log';
import type { OperatorUser } from '../../domain/operators/operator-users-repository';
import { can } from '../../domain/operators/roles';
import { BLOCK_REASONS } from '../../domain/vouchers/support-service';
import { effectiveStatus, type Voucher } from '../../domain/vouchers/voucher';
import type { VoucherDetail } from '../../domain/vouchers/voucher-detail-read';
import { findVoucherByCode, findVoucherById } from '../../domain/vouchers/vouchers-repository';
import { formatCode, parseCode } from '../../lib/codes';
import { formatStamp } from '../../lib/dates';

type T = (key: string, params?: Record<string, string | number>) => string;
const MAX_RESULTS = 100;

export const voucherSearchSchema = z.object({ q: z.string().trim().max(200).optional().catch(undefined) });

interface VoucherRow {
  id: string; code: string; status: Voucher['status']; expiresAt: string; amountCents: number; balanceCents: number;
  recipientName: string | null; recipientEmail: string | null; campaignName: string; orderId: string; orderReference: string; buyerEmail: string;
}

const ROW_SQL = `SELECT v.id, v.code, v.status, v.expires_at AS "expiresAt", v.amount_cents AS "amountCents", v.balance_cents AS "balanceCents",
  v.recipient_name AS "recipientName", v.recipient_email AS "recipientEmail", c.name AS "campaignName", o.id AS "orderId", o.reference AS "orderReference", o.buyer_email AS "buyerEmail"
  FROM vouchers v JOIN campaigns c ON c.id = v.campaign_id JOIN orders o ON o.id = v.order_id`;

/**
 * A code (any case, with or without dashes or spaces) is looked up by its unique index,
 * whole or as a prefix of at least 4 symbols; text with an @ is a whole buyer or recipient
 * email, any case, found through the lower(email) indexes of migration 0016 (a "contains"
 * match read every voucher and order ever sold). Capped: support looks for one voucher.
 */
function* searchVouchers(dialect: Dialect, q: string | undefined): ReadProgram<VoucherRow[]> {
  const text = q?.trim() ?? '';
  if (!text) return [];
  if (text.includes('@')) {
    const needle = text.toLowerCase();
    return (yield {
      sql: `${ROW_SQL} WHERE v.id IN (SELECT id FROM vouchers WHERE recipient_email IS NOT NULL AND lower(recipient_email) = @needle
              UNION SELECT bv.id FROM orders bo JOIN vouchers bv ON bv.order_id = bo.id WHERE lower(bo.buyer_email) = @needle)
            ORDER BY v.issued_at DESC, v.code LIMIT ${MAX_RESULTS}`,
      params: { needle },
    }) as unknown as VoucherRow[];
  }
  const compact = text.replace(/[\s\-–]/g, '').toUpperCase();
  if (!/^[2-9A-Z]{4,20}$/.test(compact)) return [];
  // A prefix range the unique index serves ('~' sorts after every code symbol; PostgreSQL compares bytes here: COLLATE "C").
  return (yield { sql: `${ROW_SQL} WHERE v.code >= @low ${dialect === 'postgres' ? 'COLLATE "C" ' : ''}AND v.code < @high ${dialect === 'postgres' ? 'COLLATE "C" ' : ''}ORDER BY v.code LIMIT ${MAX_RESULTS}`, params: { low: compact, high: `${compact}~` } }) as unknown as VoucherRow[];
}

/**
 * The search page's reads on either backend (one snapshot): a complete code or a voucher id
 * (what support types most: the page redirects to it), else the matching rows.
 */
export function* voucherSearchProgram(dialect: Dialect, q: string | undefined): ReadProgram<{ exactCode: string | undefined; rows: VoucherRow[] }> {
  if (!q) return { exactCode: undefined, rows: [] };
  const parsed = parseCode(q);
  const [exact] = yield { sql: `SELECT code FROM vouchers WHERE code = @code OR id = @id LIMIT 1`, params: { code: parsed.ok ? parsed.code : '', id: q } };
  if (exact && !q.includes('@')) return { exactCode: String(exact.code), rows: [] };
  return { exactCode: undefined, rows: yield* searchVouchers(dialect, q) };
}

export function voucherListView(rows: VoucherRow[], q: string | undefined, t: T, locale: string, now: Date) {
  return {
    q: q ?? '',
    searched: !!q,
    capped: rows.length === MAX_RESULTS,
    rows: rows.map((v) => ({ ...v, formatted: formatCode(v.code), expires: formatStamp(v.expiresAt, locale), statusLabel: t(`operator.vouchers.status.${effectiveStatus(v, now)}`) })),
  };
}

/** The voucher behind a URL segment: its code in any spelling, or its id (audit log links). */
export function findVoucherByCodeOrId(database: Database_, raw: string): Voucher | undefined {
  const parsed = parseCode(raw);
  return (parsed.ok ? findVoucherByCode(database.db, parsed.code) : undefined) ?? findVoucherById(database.db, raw);
}

/** Audit entries shown on a page: dates formatted, JSON states pretty-printed. */
export function auditRows(entries: AuditEntry[], locale: string) {
  const pretty = (s: string | null) => (s ? JSON.stringify(JSON.parse(s), null, 1) : null);
  return entries.map((e) => ({ ...e, when: formatStamp(e.at, locale), beforeText: pretty(e.before), afterText: pretty(e.after) }));
}

export interface VoucherForms {
  block?: { values: Record<string, string>; errors: Record<string, string | undefined> };
  adjust?: { values: Record<string, string>; errors: Record<string, string | undefined> };
  alert?: string;
}

const DONE = ['blocked', 'unblocked', 'reissued', 'adjusted'] as const;

/** The page's view model from its reads (voucher-detail-read.ts): no database here. */
export function voucherDetailView(detail: VoucherDetail, user: OperatorUser, query: Record<string, unknown>, t: T, locale: string, now: Date, forms: VoucherForms = {}) {
  const { voucher: v, info, audits, names } = detail;
  // The successor's code is in the reissue's audit entry (vouchers.reissued_from has no index to search).
  const reissue = audits.find((a) => a.action === 'voucher_reissue');
  const reissuedAs = reissue?.after ? (JSON.parse(reissue.after) as { reissuedAs?: string }).reissuedAs : undefined;
  const from = detail.reissuedFromCode;
  const status = effectiveStatus(v, now);
  const open = v.status !== 'cancelled' && v.status !== 'expired' && new Date(v.expiresAt) >= now;
  const manage = can(user.role, 'vouchers.manage');
  const translated = (errors: Record<string, string | undefined> = {}) => Object.fromEntries(Object.entries(errors).map(([k, e]) => [k, e ? t(e) : undefined]));
  const done = typeof query.done === 'string' && (DONE as readonly string[]).includes(query.done) ? query.done : null;
  const blockValues = forms.block?.values ?? {};
  return {
    done: done ? t(`operator.vouchers.done.${done}`, { code: formatCode(v.code), from: from ? formatCode(from) : '' }) : null,
    alert: forms.alert ?? null,
    voucher: {
      ...v, ...info, formatted: formatCode(v.code), status, statusLabel: t(`operator.vouchers.status.${status}`),
      issued: formatStamp(v.issuedAt, locale), expires: formatStamp(v.expiresAt, locale),
      reissuedFrom: from ? { code: from, formatted: formatCode(from) } : null,
      reissuedAs: reissuedAs ? { code: reissuedAs, formatted: formatCode(reissuedAs) } : null,
    },
    // Movements and audit entries name their actor the same way (`payment:demo`, `user:…`): both in words.
    movements: detail.movements.map((m) => ({ ...m, actor: actorLabel(m.actor, names, locale), when: formatStamp(m.createdAt, locale), kindLabel: t(`operator.vouchers.kind.${m.kind}`), voided: m.redemptionStatus === 'voided' })),
    audits: auditRows(audits, locale).map((e) => ({ ...e, actionLabel: actionLabel(e.action, locale), actorLabel: actorLabel(e.actor, names, locale) })),
    // Forms only when the role may act and the voucher allows it (each POST checks again).
    blockForm: manage && open && v.status === 'active' && v.balanceCents > 0
      ? { reasons: BLOCK_REASONS.map((r) => ({ value: r, label: t(`operator.vouchers.block_reason.${r}`), selected: blockValues.reason === r })), values: blockValues, errors: translated(forms.block?.errors) }
      : null,
    unblockForm: manage && v.status === 'blocked',
    reissueForm: manage && open && (v.status === 'active' || v.status === 'blocked') && v.balanceCents > 0,
    adjustForm: manage && open ? { values: forms.adjust?.values ?? {}, errors: translated(forms.adjust?.errors), minus: forms.adjust?.values.sign === 'minus' } : null,
  };
}
