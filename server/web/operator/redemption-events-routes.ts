import { Router } from 'express';
import { z } from 'zod';
import { calendarDate } from '../../lib/calendar-date';
import { REDEMPTION_CSV_COLUMNS, redemptionCsvProgram, redemptionEventsProgram, redemptionShopsProgram, type RedemptionEventFilter } from '../../domain/audit/redemption-events';
import { readOn, streamOn } from '../backend-units';
import { parseCode } from '../../lib/codes';
import { formatMoney } from '../../lib/money';
import type { AppContext } from '../context';
import { streamLines } from '../stream-lines';
import { formatStamp } from '../../lib/dates';
import { operatorPage, requireOperator } from './session';

// The one strict date reader: 2026-99-99 or 9999-12-31 is nonsense, ignored like any other.
const day = calendarDate.optional().catch(undefined);
// Nonsense filters are ignored (never a 5xx), like the audit log's.
const filterSchema = z.object({
  shop: z.string().trim().max(100).optional().catch(undefined),
  code: z.string().trim().max(100).optional().catch(undefined),
  from: day,
  to: day,
  before: z.coerce.number().int().min(1).optional().catch(undefined),
});
type Query = z.infer<typeof filterSchema>;

/** The query as a domain filter; a code that does not parse is reported, not searched. */
function toFilter(q: Query): { filter: RedemptionEventFilter; badCode: boolean } {
  const parsed = q.code ? parseCode(q.code) : null;
  const filter: RedemptionEventFilter = { merchantId: q.shop || undefined, from: q.from, to: q.to, before: q.before };
  if (parsed?.ok) filter.code = parsed.code;
  return { filter, badCode: parsed !== null && !parsed.ok };
}

const params = (q: Query) => Object.entries({ shop: q.shop, code: q.code, from: q.from, to: q.to }).filter((e): e is [string, string] => !!e[1]);

/**
 * « Encaissements en caisse », the audit page's second tab: the redemptions table read
 * newest first by keyset (see domain/audit/redemption-events.ts), and its CSV export.
 */
export function operatorRedemptionEventRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get('/operateur/journal-audit/encaissements', requireOperator('audit.read'), async (req, res) => {
    const q = filterSchema.parse(req.query);
    const { filter, badCode } = toFilter(q);
    const { rows, next } = badCode ? { rows: [], next: null } : await readOn(ctx, () => redemptionEventsProgram(filter));
    const shops = await readOn(ctx, redemptionShopsProgram);
    const { t, locale } = res.locals;
    const money = (c: number | null) => (c === null ? '—' : formatMoney(c, locale));
    const link = (before?: number) => {
      const s = new URLSearchParams(params(q));
      if (before) s.set('before', String(before));
      const str = s.toString();
      return `/operateur/journal-audit/encaissements${str ? `?${str}` : ''}`;
    };
    const csv = new URLSearchParams(params(q)).toString();
    res.render('operator/audit-redemptions', {
      title: t('operator.audit.redemptions.title'),
      ...operatorPage(res, 'audit'),
      filter: q,
      badCode,
      shops: shops.map((s) => ({ ...s, selected: s.id === filter.merchantId })),
      rows: rows.map((e) => ({
        ...e,
        when: formatStamp(e.createdAt, locale),
        amount: money(e.amountCents),
        balanceBefore: money(e.balanceBeforeCents),
        balanceAfter: money(e.balanceAfterCents),
        voided: e.status === 'voided',
        voidedWhen: formatStamp(e.voidedAt, locale),
        voidedByLabel: e.voidedByName ?? e.voidedBy,
      })),
      first: q.before ? link() : null,
      next: next ? link(next) : null,
      pager: !!q.before || next !== null,
      csvUrl: `/operateur/journal-audit/encaissements.csv${csv ? `?${csv}` : ''}`,
    });
  });

  r.get('/operateur/journal-audit/encaissements.csv', requireOperator('audit.read'), async (req, res) => {
    const { filter, badCode } = toFilter(filterSchema.parse(req.query));
    delete filter.before;
    res.type('text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="encaissements.csv"');
    // A code that does not parse matches nothing: the header alone, like the page's empty list.
    const lines = badCode ? [REDEMPTION_CSV_COLUMNS.join(';')] : streamOn(ctx, redemptionCsvProgram(filter));
    await streamLines(res, lines, { eol: '\r\n', bom: true });
  });
  return r;
}
