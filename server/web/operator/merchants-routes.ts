import { Router, type Request, type Response } from 'express';
import {
  approveMerchant,
  reactivateMerchant,
  reinviteOwner,
  rejectMerchant,
  searchMerchants,
  setMerchantCampaigns,
  suspendMerchant,
  updateMerchantDetails,
} from '../../domain/merchants/merchant-review-service';
import { findMerchantBySlug, type Merchant } from '../../domain/merchants/merchant-users-repository';
import { checkedIds, parseShopForm } from '../../domain/merchants/onboarding-form';
import { can } from '../../domain/operators/roles';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';
import { merchantDetailView, merchantFilterSchema, merchantListView, parseReason, type MerchantForms } from './merchants-view';
import { operatorPage, requireOperator } from './session';
import { hoursFormValues, parseHoursForm, type HoursFormValues } from '../../domain/merchants/opening-hours';
import { hoursOf } from '../../domain/merchants/opening-hours-repository';
import { setOpeningHours } from '../../domain/merchants/opening-hours-service';
import { hoursFormView } from '../hours-form-view';
import { parsePositionForm, positionFormValues } from '../../domain/merchants/shop-position';
import { weekView } from '../shop/directory-view';

/**
 * Shop onboarding in the back-office: the list of shops (applications first), a shop's
 * page, and the review actions. Reading needs merchants.read; every POST merchants.manage.
 * Actions redirect back to the page (303) with a `done` flag; refusals re-render it.
 */
export function operatorMerchantRoutes(ctx: AppContext): Router {
  const r = Router();
  const db = ctx.database.db;
  const BASE = '/operateur/commerces';
  const by = (res: Response) => ({ actor: `operator:${res.locals.operatorUser!.id}` });
  const merchantOf = (req: Request): Merchant => {
    const m = findMerchantBySlug(db, String(req.params.slug));
    if (!m) throw new AppError('MERCHANT_NOT_FOUND', 404, 'errors.merchant_not_found');
    return m;
  };
  const detail = (req: Request, res: Response, m: Merchant, status = 200, forms: MerchantForms = {}, hours?: { values: HoursFormValues; errors: Record<string, string>; position?: { latitude: string; longitude: string } }) => {
    const canManage = can(res.locals.operatorUser!.role, 'merchants.manage');
    const done = typeof req.query.done === 'string' ? req.query.done : undefined;
    const slots = hoursOf(db, m.id);
    res.status(status).render('operator/merchant', {
      title: res.locals.t('onboarding.op.merchant_title', { name: m.name }),
      ...operatorPage(res, 'merchants'),
      ...merchantDetailView(db, m, canManage, res.locals.t, res.locals.locale, forms, status === 200 ? done : undefined),
      // The structured weekly hours (issue 15): read by every role, edited with merchants.manage.
      week: slots.length ? weekView(slots, res.locals.locale) : null,
      hoursForm: canManage
        ? hoursFormView(hours?.values ?? hoursFormValues(slots), hours?.errors ?? {}, res.locals.t, res.locals.locale, ctx.config.mapTiles ? (hours?.position ?? positionFormValues(m)) : undefined)
        : null,
      hoursSaved: status === 200 && done === 'hours',
    });
  };
  const back = (res: Response, m: Merchant, done: string) => res.redirect(303, `${BASE}/${encodeURIComponent(m.slug)}?done=${done}`);
  /** A 4xx from the domain (status conflict, duplicate SIRET…) shows on the page; anything else is a real error. */
  const refused = (err: unknown, req: Request, res: Response, m: Merchant, forms: MerchantForms = {}) => {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const fresh = findMerchantBySlug(db, m.slug) ?? m;
    detail(req, res, fresh, err.status, { ...forms, alert: res.locals.t(err.messageKey, err.params && { status: res.locals.t(`onboarding.status.${err.params.status}`) }) });
  };

  r.get(BASE, requireOperator('merchants.read'), (req, res) => {
    const filter = merchantFilterSchema.parse(req.query);
    const { rows, counts } = searchMerchants(db, filter);
    res.render('operator/merchants', { title: res.locals.t('onboarding.op.list_title'), ...operatorPage(res, 'merchants'), ...merchantListView(rows, counts, filter, res.locals.t, res.locals.locale) });
  });

  r.get(`${BASE}/:slug`, requireOperator('merchants.read'), (req, res) => detail(req, res, merchantOf(req)));

  r.post(`${BASE}/:slug/approuver`, requireOperator('merchants.manage'), (req, res) => {
    const m = merchantOf(req);
    try {
      const { invited } = approveMerchant(ctx, m.slug, by(res));
      if (invited) ctx.kickOutbox();
      ctx.logger.info({ merchantId: m.id, operatorId: res.locals.operatorUser!.id, invited }, 'shop approved');
      back(res, m, invited ? 'invited' : 'approved');
    } catch (err) {
      refused(err, req, res, m);
    }
  });

  /** Reject and suspend: a reason is required, and the typed one stays in its form on a refusal. */
  const reasonAction = (path: string, a: { form: 'reject' | 'suspend'; run: typeof rejectMerchant; done: string; log: string; mails: boolean }) =>
    r.post(`${BASE}/:slug/${path}`, requireOperator('merchants.manage'), (req, res) => {
      const m = merchantOf(req);
      const reason = parseReason(req.body);
      if (!reason.ok) return detail(req, res, m, 422, { [a.form]: { value: reason.value, error: reason.error }, alert: res.locals.t('onboarding.errors.reason_needed') });
      try {
        a.run(ctx, m.slug, reason.value, by(res));
        if (a.mails) ctx.kickOutbox();
        ctx.logger.info({ merchantId: m.id, operatorId: res.locals.operatorUser!.id }, a.log);
        back(res, m, a.done);
      } catch (err) {
        refused(err, req, res, m, { [a.form]: { value: reason.value } });
      }
    });
  reasonAction('refuser', { form: 'reject', run: rejectMerchant, done: 'rejected', log: 'shop application rejected', mails: true });
  reasonAction('suspendre', { form: 'suspend', run: suspendMerchant, done: 'suspended', log: 'shop suspended', mails: false });

  r.post(`${BASE}/:slug/reactiver`, requireOperator('merchants.manage'), (req, res) => {
    const m = merchantOf(req);
    try {
      reactivateMerchant(ctx, m.slug, by(res));
      ctx.logger.info({ merchantId: m.id, operatorId: res.locals.operatorUser!.id }, 'shop reactivated');
      back(res, m, 'reactivated');
    } catch (err) {
      refused(err, req, res, m);
    }
  });

  r.post(`${BASE}/:slug/reinviter`, requireOperator('merchants.manage'), (req, res) => {
    const m = merchantOf(req);
    try {
      reinviteOwner(ctx, m.slug, by(res));
      ctx.kickOutbox();
      back(res, m, 'reinvited');
    } catch (err) {
      refused(err, req, res, m);
    }
  });

  r.post(`${BASE}/:slug/modifier`, requireOperator('merchants.manage'), (req, res) => {
    const m = merchantOf(req);
    const form = parseShopForm((req.body ?? {}) as Record<string, unknown>);
    if (!form.input) return detail(req, res, m, 422, { edit: { values: form.values, errors: form.errors }, alert: res.locals.t('onboarding.apply.has_errors') });
    try {
      updateMerchantDetails(ctx, m.slug, form.input, by(res));
      back(res, m, 'updated');
    } catch (err) {
      const fields = err instanceof AppError ? (err.fields ?? {}) : {};
      refused(err, req, res, m, { edit: { values: form.values, errors: fields } });
    }
  });

  r.post(`${BASE}/:slug/horaires`, requireOperator('merchants.manage'), (req, res) => {
    const m = merchantOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const form = parseHoursForm(body);
    const place = ctx.config.mapTiles ? parsePositionForm(body) : undefined;
    if (!form.input || (place && place.position === undefined)) {
      return detail(req, res, m, 422, { alert: res.locals.t('hours.has_errors') }, { values: form.values, errors: { ...form.errors, ...place?.errors }, position: place?.values });
    }
    setOpeningHours(ctx, m.id, form.input, by(res).actor, place?.position);
    back(res, m, 'hours');
  });

  r.post(`${BASE}/:slug/campagnes`, requireOperator('merchants.manage'), (req, res) => {
    const m = merchantOf(req);
    setMerchantCampaigns(ctx, m.slug, checkedIds((req.body as Record<string, unknown> | undefined)?.campaigns), by(res));
    back(res, m, 'campaigns');
  });
  return r;
}
