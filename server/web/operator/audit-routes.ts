import { actionLabel, actorLabel, entityName, entityTypeLabel } from './audit-labels';
import { Router } from 'express';
import { z } from 'zod';
import { calendarDate } from '../../lib/calendar-date';
import { AUDIT_PER_PAGE, type AuditFilter } from '../../domain/audit/audit-log';
import { auditCsvLinesOn, auditPageProgram } from '../../domain/audit/audit-log-read';
import { readOn } from '../backend-units';
import type { AppContext } from '../context';
import { streamLines } from '../stream-lines';
import { auditRows } from './vouchers-view';
import { operatorPage, requireOperator } from './session';

// The one strict date reader: 2026-99-99 or 9999-12-31 is nonsense, ignored like any other.
const day = calendarDate.optional().catch(undefined);
const text = z.string().trim().max(200).optional().catch(undefined);
// Nonsense filters are ignored (never a 5xx), like the orders list.
const filterSchema = z.object({
  q: text, actor: text, action: text, type: text, from: day, to: day,
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1).default(1),
});

/** Where an entry's entity lives in the back-office, when it has a page. */
const entityLink = (type: string, id: string): string | null =>
  type === 'voucher' ? `/operateur/bons/${id}` : type === 'order' ? `/operateur/commandes/${id}` : type === 'settlement_batch' ? `/operateur/reglements/${id}` : null;

/** The audit log: searchable, filterable, paginated; CSV export of the same filter. */
export function operatorAuditRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get('/operateur/journal-audit', requireOperator('audit.read'), async (req, res) => {
    const f = filterSchema.parse(req.query);
    const filter: AuditFilter = { q: f.q || undefined, actor: f.actor || undefined, action: f.action || undefined, entityType: f.type || undefined, from: f.from, to: f.to, page: f.page };
    const { rows, total, facets, names } = await readOn(ctx, auditPageProgram(filter));
    const locale = res.locals.locale as string;
    const pages = Math.max(1, Math.ceil(total / AUDIT_PER_PAGE));
    const params = Object.entries({ q: filter.q, actor: filter.actor, action: filter.action, type: filter.entityType, from: filter.from, to: filter.to }).filter((e): e is [string, string] => !!e[1]);
    const link = (page: number) => {
      const q = new URLSearchParams(params);
      if (page > 1) q.set('page', String(page));
      const s = q.toString();
      return `/operateur/journal-audit${s ? `?${s}` : ''}`;
    };
    const csv = new URLSearchParams(params).toString();
    res.render('operator/audit', {
      title: res.locals.t('operator.audit.title'),
      ...operatorPage(res, 'audit'),
      filter: f,
      total,
      actions: facets.actions.map((a) => ({ value: a, label: actionLabel(a, locale), selected: a === filter.action })),
      types: facets.entityTypes.map((a) => ({ value: a, label: entityTypeLabel(a, locale), selected: a === filter.entityType })),
      rows: auditRows(rows, locale).map((e) => ({
        ...e,
        link: entityLink(e.entityType, e.entityId),
        actorLabel: actorLabel(e.actor, names, locale),
        actionLabel: actionLabel(e.action, locale),
        entityTypeLabel: entityTypeLabel(e.entityType, locale),
        entityName: entityName(e.entityType, e.entityId, names),
      })),
      pager: { page: f.page, pages, prev: f.page > 1 ? link(f.page - 1) : null, next: f.page < pages ? link(f.page + 1) : null },
      csvUrl: `/operateur/journal-audit.csv${csv ? `?${csv}` : ''}`,
    });
  });

  r.get('/operateur/journal-audit.csv', requireOperator('audit.read'), async (req, res) => {
    const f = filterSchema.parse(req.query);
    const filter: AuditFilter = { q: f.q || undefined, actor: f.actor || undefined, action: f.action || undefined, entityType: f.type || undefined, from: f.from, to: f.to };
    res.type('text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="journal-audit.csv"');
    await streamLines(res, auditCsvLinesOn((program) => readOn(ctx, program), filter), { eol: '\r\n', bom: true });
  });
  return r;
}
