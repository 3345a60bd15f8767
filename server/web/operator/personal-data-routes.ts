import { Router, type Response } from 'express';
import { z } from 'zod';
import { erasePersonalData, exportPersonalData, findPersonalData, normaliseSubjectEmail, type PersonalData } from '../../domain/privacy/personal-data-service';
import { setCampaignRetention } from '../../domain/privacy/retention-service';
import { personalDataReads } from '../../domain/privacy/personal-data-store';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';
import { operatorPage, requireOperator } from './session';

const PAGE = '/operateur/donnees-personnelles';
const text = (max: number) => z.string().trim().max(max).catch('').default('');
const subjectForm = z.object({ email: text(320), reason: text(500), confirm: z.string().optional().catch(undefined) });
const retentionForm = z.object({ campaign: text(200), months: text(10) });

interface PageState {
  email?: string;
  found?: PersonalData;
  reason?: string;
  alert?: string;
  notice?: string;
  errors?: Record<string, string>;
}

/**
 * Data subjects' requests (admin only): find one person by email, download what we hold
 * (JSON), erase it; and each campaign's retention period. Every form is a POST: an email
 * address never goes into a URL (access logs, history).
 */
export function operatorPersonalDataRoutes(ctx: AppContext): Router {
  const r = Router();
  // Either backend (personal-data-store.ts): the SQLite file, or the PostgreSQL pool when there is one.
  const deps = { database: ctx.database, pg: ctx.pg, clock: ctx.clock };
  const reads = personalDataReads(deps);
  const actor = (res: Response) => `operator:${res.locals.operatorUser!.id}`;
  const day = (iso: string | null, locale: string) => (iso ? new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'Europe/Paris' }).format(new Date(iso)) : '');

  const render = async (res: Response, status: number, s: PageState = {}) => {
    const campaigns = await reads((store) => store.campaignRetentions());
    const t = res.locals.t;
    const locale = res.locals.locale as string;
    const f = s.found;
    res.status(status).render('operator/personal-data', {
      title: t('privacy.title'),
      ...operatorPage(res, 'privacy'),
      email: s.email ?? '',
      reason: s.reason ?? '',
      alert: s.alert,
      notice: s.notice,
      errors: s.errors ?? {},
      found: f
        ? {
            empty: f.orders.length + f.recipientLines.length + f.recipientVouchers.length + f.organisations.length + f.messages.length === 0,
            orders: f.orders.map((o) => ({ reference: o.reference, campaign: o.campaign, date: day(o.createdAt, locale), name: o.buyerName })),
            ordersCount: f.orders.length,
            recipientCount: f.recipientVouchers.length + f.recipientLines.filter((l) => !f.recipientVouchers.some((v) => v.orderId === l.orderId)).length,
            organisationsCount: f.organisations.length,
            messagesCount: f.messages.length,
            keptInvoices: f.keptInvoices.map((i) => i.number).join(', '),
          }
        : null,
      campaigns: campaigns.map((c) => ({ ...c, statusLabel: t(`cadmin.status.${c.status}`), erasedDay: day(c.erasedAt, locale) })),
    });
  };
  const refused = async (res: Response, err: unknown, s: PageState) => {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    await render(res, err.status === 404 ? 404 : 422, { ...s, alert: res.locals.t(err.messageKey, err.params), errors: Object.fromEntries(Object.entries(err.fields ?? {}).map(([k, v]) => [k, res.locals.t(v, err.params)])) });
  };

  r.get(PAGE, requireOperator('personal_data.manage'), (_req, res) => render(res, 200));

  r.post(`${PAGE}/recherche`, requireOperator('personal_data.manage'), async (req, res) => {
    const f = subjectForm.parse(req.body ?? {});
    try {
      const email = normaliseSubjectEmail(f.email);
      await render(res, 200, { email, found: await findPersonalData(deps, email) });
    } catch (err) {
      await refused(res, err, { email: f.email });
    }
  });

  r.post(`${PAGE}/export`, requireOperator('personal_data.manage'), async (req, res) => {
    const f = subjectForm.parse(req.body ?? {});
    try {
      const data = await exportPersonalData(deps, f.email, actor(res), f.reason || null);
      ctx.logger.info({ operatorId: res.locals.operatorUser!.id }, 'personal data exported');
      res.set('Content-Disposition', 'attachment; filename="donnees-personnelles.json"').set('Cache-Control', 'no-store').type('application/json').send(JSON.stringify(data, null, 2));
    } catch (err) {
      await refused(res, err, { email: f.email });
    }
  });

  r.post(`${PAGE}/effacer`, requireOperator('personal_data.manage'), async (req, res) => {
    const f = subjectForm.parse(req.body ?? {});
    const errors: Record<string, string> = {};
    if (!f.reason) errors.reason = res.locals.t('privacy.errors.reason');
    if (f.confirm !== 'yes') errors.confirm = res.locals.t('privacy.errors.confirm');
    let email: string;
    try {
      email = normaliseSubjectEmail(f.email);
    } catch (err) {
      return refused(res, err, { email: f.email, reason: f.reason });
    }
    if (Object.keys(errors).length) return render(res, 422, { email, reason: f.reason, found: await findPersonalData(deps, email), errors, alert: Object.values(errors)[0] });
    try {
      const s = await erasePersonalData(deps, email, actor(res), f.reason);
      // The log line names the erasure by its digest only: logs are kept too.
      ctx.logger.info({ operatorId: res.locals.operatorUser!.id, subject: s.subject }, 'personal data erased');
      const t = res.locals.t;
      // Three counts in one sentence: each is its own plural (Intl.PluralRules), then the sentence.
      const counts = {
        orders: t('privacy.erased_orders', { count: s.orders }),
        recipient: t('privacy.erased_received', { count: s.recipientLines + s.recipientVouchers }),
        organisations: t('privacy.erased_contacts', { count: s.organisations }),
      };
      await render(res, 200, { notice: t('privacy.erased', { subject: s.subject, ...counts }) });
    } catch (err) {
      await refused(res, err, { email: f.email, reason: f.reason });
    }
  });

  r.post(`${PAGE}/conservation`, requireOperator('personal_data.manage'), async (req, res) => {
    const f = retentionForm.parse(req.body ?? {});
    try {
      await setCampaignRetention(deps, f.campaign, /^\d{1,4}$/.test(f.months) ? Number(f.months) : Number.NaN, actor(res));
      await render(res, 200, { notice: res.locals.t('privacy.retention_saved') });
    } catch (err) {
      await refused(res, err, {});
    }
  });
  return r;
}
