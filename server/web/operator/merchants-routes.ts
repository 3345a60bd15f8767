import { Router, type Request, type Response } from 'express';
import { pgUnit } from '../../../db/pg-write-behind';
import {
  approveMerchantSteps,
  reactivateMerchantSteps,
  reinviteOwnerSteps,
  rejectMerchantSteps,
  setMerchantCampaignsSteps,
  suspendMerchantSteps,
  updateMerchantDetailsSteps,
} from '../../domain/merchants/merchant-review-service';
import { sqliteMerchantReviewStore } from '../../domain/merchants/merchant-review-store';
import { pgMerchantReviewStore } from '../../domain/merchants/merchant-review-store-pg';
import type { Merchant } from '../../domain/merchants/merchant-users-repository';
import { sqliteOpeningHoursStore } from '../../domain/merchants/opening-hours-store';
import { pgOpeningHoursStore } from '../../domain/merchants/opening-hours-store-pg';
import { storeReads } from '../backend-units';
import { adminUnits } from './admin-units';
import { checkedIds, parseShopForm } from '../../domain/merchants/onboarding-form';
import { can } from '../../domain/operators/roles';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';
import { merchantDetailView, merchantFilterSchema, merchantListView, parseReason, type MerchantForms } from './merchants-view';
import { operatorPage, requireOperator } from './session';
import { hoursFormValues, parseHoursForm, type HoursFormValues } from '../../domain/merchants/opening-hours';
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
  const BASE = '/operateur/commerces';
  const by = (res: Response) => ({ actor: `operator:${res.locals.operatorUser!.id}` });
  const writes = adminUnits(ctx, sqliteMerchantReviewStore, pgMerchantReviewStore);
  const reads = storeReads(
    ctx,
    (tx) => ({ review: sqliteMerchantReviewStore(tx), week: sqliteOpeningHoursStore(tx) }),
    (client) => ({ review: pgMerchantReviewStore(pgUnit(client), client), week: pgOpeningHoursStore(client) }),
  );
  const find = (slug: string) => reads((s) => s.review.merchantForUpdate(slug));
  const merchantOf = async (req: Request): Promise<Merchant> => {
    const m = await find(String(req.params.slug));
    if (!m) throw new AppError('MERCHANT_NOT_FOUND', 404, 'errors.merchant_not_found');
    return m;
  };
  const detail = async (req: Request, res: Response, m: Merchant, status = 200, forms: MerchantForms = {}, hours?: { values: HoursFormValues; errors: Record<string, string>; position?: { latitude: string; longitude: string } }) => {
    const canManage = can(res.locals.operatorUser!.role, 'merchants.manage');
    const done = typeof req.query.done === 'string' ? req.query.done : undefined;
    const page = await reads(function* (s) {
      return { owner: yield* s.review.owner(m.id), all: yield* s.review.assignableCampaigns(), accepted: yield* s.review.campaignIds(m.id), slots: yield* s.week.hours(m.id) };
    });
    const slots = page.slots;
    res.status(status).render('operator/merchant', {
      title: res.locals.t('onboarding.op.merchant_title', { name: m.name }),
      ...operatorPage(res, 'merchants'),
      ...merchantDetailView(page, m, canManage, res.locals.t, res.locals.locale, forms, status === 200 ? done : undefined),
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
  const refused = async (err: unknown, req: Request, res: Response, m: Merchant, forms: MerchantForms = {}) => {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const fresh = (await find(m.slug)) ?? m;
    await detail(req, res, fresh, err.status, { ...forms, alert: res.locals.t(err.messageKey, err.params && { status: res.locals.t(`onboarding.status.${err.params.status}`) }) });
  };

  r.get(BASE, requireOperator('merchants.read'), async (req, res) => {
    const filter = merchantFilterSchema.parse(req.query);
    const { rows, counts } = await reads((s) => s.review.search(filter, 200));
    res.render('operator/merchants', { title: res.locals.t('onboarding.op.list_title'), ...operatorPage(res, 'merchants'), ...merchantListView(rows, counts, filter, res.locals.t, res.locals.locale) });
  });

  r.get(`${BASE}/:slug`, requireOperator('merchants.read'), async (req, res) => detail(req, res, await merchantOf(req)));

  r.post(`${BASE}/:slug/approuver`, requireOperator('merchants.manage'), async (req, res) => {
    const m = await merchantOf(req);
    try {
      const { invited } = await writes((s) => approveMerchantSteps(s, ctx.clock.now(), m.slug, by(res)));
      if (invited) ctx.kickOutbox();
      ctx.logger.info({ merchantId: m.id, operatorId: res.locals.operatorUser!.id, invited }, 'shop approved');
      back(res, m, invited ? 'invited' : 'approved');
    } catch (err) {
      await refused(err, req, res, m);
    }
  });

  /** Reject and suspend: a reason is required, and the typed one stays in its form on a refusal. */
  const reasonAction = (path: string, a: { form: 'reject' | 'suspend'; run: typeof rejectMerchantSteps; done: string; log: string; mails: boolean }) =>
    r.post(`${BASE}/:slug/${path}`, requireOperator('merchants.manage'), async (req, res) => {
      const m = await merchantOf(req);
      const reason = parseReason(req.body);
      if (!reason.ok) return detail(req, res, m, 422, { [a.form]: { value: reason.value, error: reason.error }, alert: res.locals.t('onboarding.errors.reason_needed') });
      try {
        await writes((s) => a.run(s, ctx.clock.now(), m.slug, reason.value, by(res)));
        if (a.mails) ctx.kickOutbox();
        ctx.logger.info({ merchantId: m.id, operatorId: res.locals.operatorUser!.id }, a.log);
        back(res, m, a.done);
      } catch (err) {
        await refused(err, req, res, m, { [a.form]: { value: reason.value } });
      }
    });
  reasonAction('refuser', { form: 'reject', run: rejectMerchantSteps, done: 'rejected', log: 'shop application rejected', mails: true });
  reasonAction('suspendre', { form: 'suspend', run: suspendMerchantSteps, done: 'suspended', log: 'shop suspended', mails: false });

  r.post(`${BASE}/:slug/reactiver`, requireOperator('merchants.manage'), async (req, res) => {
    const m = await merchantOf(req);
    try {
      await writes((s) => reactivateMerchantSteps(s, ctx.clock.now(), m.slug, by(res)));
      ctx.logger.info({ merchantId: m.id, operatorId: res.locals.operatorUser!.id }, 'shop reactivated');
      back(res, m, 'reactivated');
    } catch (err) {
      await refused(err, req, res, m);
    }
  });

  r.post(`${BASE}/:slug/reinviter`, requireOperator('merchants.manage'), async (req, res) => {
    const m = await merchantOf(req);
    try {
      await writes((s) => reinviteOwnerSteps(s, ctx.clock.now(), m.slug, by(res)));
      ctx.kickOutbox();
      back(res, m, 'reinvited');
    } catch (err) {
      await refused(err, req, res, m);
    }
  });

  r.post(`${BASE}/:slug/modifier`, requireOperator('merchants.manage'), async (req, res) => {
    const m = await merchantOf(req);
    const form = parseShopForm((req.body ?? {}) as Record<string, unknown>);
    if (!form.input) return detail(req, res, m, 422, { edit: { values: form.values, errors: form.errors }, alert: res.locals.t('onboarding.apply.has_errors') });
    const input = form.input;
    try {
      await writes((s) => updateMerchantDetailsSteps(s, ctx.clock.now(), m.slug, input, by(res)));
      back(res, m, 'updated');
    } catch (err) {
      const fields = err instanceof AppError ? (err.fields ?? {}) : {};
      await refused(err, req, res, m, { edit: { values: form.values, errors: fields } });
    }
  });

  r.post(`${BASE}/:slug/horaires`, requireOperator('merchants.manage'), async (req, res) => {
    const m = await merchantOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const form = parseHoursForm(body);
    const place = ctx.config.mapTiles ? parsePositionForm(body) : undefined;
    if (!form.input || (place && place.position === undefined)) {
      return detail(req, res, m, 422, { alert: res.locals.t('hours.has_errors') }, { values: form.values, errors: { ...form.errors, ...place?.errors }, position: place?.values });
    }
    await setOpeningHours(ctx, m.id, form.input, by(res).actor, place?.position);
    back(res, m, 'hours');
  });

  r.post(`${BASE}/:slug/campagnes`, requireOperator('merchants.manage'), async (req, res) => {
    const m = await merchantOf(req);
    const ids = checkedIds((req.body as Record<string, unknown> | undefined)?.campaigns);
    await writes((s) => setMerchantCampaignsSteps(s, ctx.clock.now(), m.slug, ids, by(res)));
    back(res, m, 'campaigns');
  });
  return r;
}
