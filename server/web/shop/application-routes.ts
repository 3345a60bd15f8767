import { Router, type Request, type Response } from 'express';
import { checkedIds, parseShopForm, type ShopFormValues } from '../../domain/merchants/onboarding-form';
import { pgUnit, pgUnitOfWork } from '../../../db/pg-write-behind';
import { runAsync, runSync } from '../../../db/unit-of-work';
import { applyForShopSteps, sqliteApplicationStore } from '../../domain/merchants/application-store';
import { pgApplicationStore } from '../../domain/merchants/application-store-pg';
import { storeLookups } from '../backend-units';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';
import { orderCreationLimiter } from '../middleware/db-rate-limits';
import { campaignChoices, emptyShopValues, shopFieldsView } from './application-view';

/**
 * The public application form for shops (/commercants/candidature). Mounted after the
 * urlencoded parser and the global CSRF check. Posting is rate-limited per IP like order
 * creation: each application writes rows an operator has to read.
 */
export function applicationRoutes(ctx: AppContext): Router {
  const r = Router();
  const orderLimit = orderCreationLimiter(ctx, 'application-address');
  const reads = storeLookups(ctx, sqliteApplicationStore, (client) => pgApplicationStore(pgUnit(client)));
  // The application's one unit of work: BEGIN IMMEDIATE on SQLite, a pooled transaction whose held audit write ends it on PostgreSQL.
  const apply = (input: Parameters<typeof applyForShopSteps>[2]) =>
    ctx.pg
      ? pgUnitOfWork(ctx.pg, (unit) => runAsync(applyForShopSteps(pgApplicationStore(unit), ctx, input)))
      : ctx.database.transaction((tx) => runSync(applyForShopSteps(sqliteApplicationStore(tx), ctx, input)));
  const PATH = '/commercants/candidature';

  const page = async (res: Response, status: number, values: ShopFormValues, errors: Record<string, string>, extra: { checked?: string[]; consent?: boolean; formError?: string } = {}) => {
    const open = await reads((s) => s.openCampaigns());
    const fields = shopFieldsView(values, errors, res.locals.t);
    res.status(status).render('shop/application', {
      title: res.locals.t('onboarding.apply.title'),
      ...fields,
      errorCount: fields.errorCount,
      campaigns: campaignChoices(open, extra.checked ?? []),
      consent: extra.consent,
      consentError: errors.consent ? res.locals.t(errors.consent) : null,
      formError: extra.formError,
    });
  };

  r.get(PATH, ctx.withCsrf, (_req, res) => page(res, 200, emptyShopValues(), {}));

  r.post(PATH, orderLimit, ctx.withCsrf, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const form = parseShopForm(body);
    const checked = checkedIds(body.campaigns);
    const consent = body.consent === '1';
    const errors = { ...form.errors, ...(consent ? {} : { consent: 'onboarding.errors.consent' }) };
    if (!form.input || !consent) return page(res, 422, form.values, errors, { checked, consent });
    try {
      const merchant = await apply({ details: form.input, campaignIds: checked });
      ctx.logger.info({ merchantId: merchant.id, slug: merchant.slug }, 'shop application received');
      res.status(201).render('shop/application-sent', { title: res.locals.t('onboarding.sent.title'), shop: merchant.name, email: form.input.contactEmail, noIndex: true });
    } catch (err) {
      // Duplicate SIRET or contact email: shown beside the field, the rest kept as typed.
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      await page(res, err.status, form.values, err.fields ?? {}, { checked, consent, formError: res.locals.t(err.messageKey) });
    }
  });
  return r;
}
