import { Router, type NextFunction, type Request, type Response } from 'express';
import { formatRate } from '../../invoices/invoice-texts';
import { formatLongDate, formatLongStamp } from '../../lib/dates';
import { translateForPage } from '../../lib/i18n';
import { formatMoney } from '../../lib/money';
import { calendarNoon, methodText, statusText, type StatementListItem } from '../../settlement/statement-data';
import { shopStatementsProgram } from '../../settlement/statement-reads';
import { readOn } from '../backend-units';
import type { AppContext } from '../context';
import { sendStatementDocument, statementDocumentFor } from '../statement-documents';
import { requireShopUser } from '../middleware/auth';

/**
 * The shop's settlement statements (linked from the statement mail): list, detail, and the
 * statement PDF, CSV and commission invoice. Every lookup is scoped to the signed-in user's
 * shop: another shop's statement id answers the same 404 as an unknown one.
 * The documents are plain functions (server/settlement/*) so the operator's back office can
 * serve the same files.
 */

const BADGE = { paid: 'badge', pending: 'badge badge-muted', failed: 'badge badge-blocked', partially_reversed: 'badge badge-blocked' } as const;

export function merchantStatementRoutes(ctx: AppContext): Router {
  const r = Router();
  // merchantShopRoutes already guards /commercant/*; this router does not rely on being mounted after it.
  r.use('/commercant/releves', (req: Request, res: Response, next: NextFunction) => (res.locals.csrfToken ? next() : ctx.withCsrf(req, res, next)), requireShopUser());
  const me = (res: Response) => res.locals.shopUser!;
  const nav = (res: Response) => ({ shop: me(res).merchant, user: me(res).user, owner: me(res).user.role === 'owner', nav_statements: true, noIndex: true, bodyClass: 'shop-area' });

  const statementFor = (req: Request, res: Response) => statementDocumentFor(ctx, String(req.params.id), me(res).merchant.id);

  r.get('/commercant/releves', async (_req, res) => {
    const locale = res.locals.locale;
    const statements = await readOn(ctx, (dialect) => shopStatementsProgram(dialect, me(res).merchant.id));
    res.set('Cache-Control', 'no-store').render('merchant/statements', {
      title: res.locals.t('statements.title'),
      ...nav(res),
      statements: statements.map((s) => listRow(s, locale)),
    });
  });

  r.get('/commercant/releves/:id.pdf', (req, res) => sendStatementDocument(ctx, res, statementFor(req, res), 'pdf'));
  r.get('/commercant/releves/:id.csv', (req, res) => sendStatementDocument(ctx, res, statementFor(req, res), 'csv'));
  r.get('/commercant/releves/:id/facture.pdf', (req, res) => sendStatementDocument(ctx, res, statementFor(req, res), 'invoice'));

  r.get('/commercant/releves/:id', async (req, res) => {
    const d = await statementFor(req, res);
    const locale = res.locals.locale;
    const s = d.statement;
    res.set('Cache-Control', 'no-store').render('merchant/statement', {
      title: res.locals.t('statements.detail_title', { reference: s.reference }),
      ...nav(res),
      s: { ...listRow({ ...s, batchReference: d.batch.reference, until: d.batch.until, cutoffAt: d.batch.cutoffAt }, locale), invoiceNumber: s.invoiceNumber, commissionCents: s.commissionCents, vatCents: s.vatCents, breakageCents: s.breakageCents },
      cutoff: formatLongStamp(d.batch.cutoffAt, locale),
      periodLong: res.locals.t('statements.period_until', { date: formatLongDate(calendarNoon(d.batch.until), locale) }),
      campaigns: d.campaigns.map((c) => ({ name: c.name, count: c.redemptionCount, grossCents: c.grossCents, rate: formatRate(c.commissionBps, locale), commissionCents: c.commissionCents, vatCents: c.vatCents, netCents: c.netCents })),
      base: `/commercant/releves/${s.id}`,
    });
  });

  return r;
}

/** One statement as the list and the detail page show it. */
function listRow(s: StatementListItem, locale: string) {
  const date = (iso: string) => formatLongDate(iso, locale);
  const t = (key: string, params?: Record<string, string | number>) => translateForPage(locale, key, params);
  const explanation =
    s.status === 'paid' ? t('statements.explain_paid', { date: date(s.paidAt ?? s.createdAt) })
    : s.status === 'failed' ? t('statements.explain_failed')
    : s.status === 'partially_reversed' ? t('statements.explain_partially_reversed', { amount: formatMoney(s.reversedCents, locale) })
    // Left out of its batch's SEPA file (details that cannot be written): the shop learns why.
    : s.method === 'sepa' && s.sepaFileSeq === null && s.sepaHoldReason ? t('statements.explain_held_sepa')
    : t(`statements.explain_pending_${s.method}`, { batch: s.batchReference });
  return {
    id: s.id,
    url: `/commercant/releves/${s.id}`,
    reference: s.reference,
    batchReference: s.batchReference,
    date: date(s.createdAt),
    period: t('statements.period_short', { date: date(calendarNoon(s.until)) }),
    count: s.redemptionCount,
    grossCents: s.grossCents,
    deductionsCents: s.commissionCents + s.vatCents,
    netCents: s.netCents,
    method: methodText(s, locale),
    methodShort: t(`statements.method_${s.method}`),
    status: statusText(s, locale, date),
    badge: BADGE[s.status],
    explanation,
  };
}
