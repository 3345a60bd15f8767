import { Router, type Request, type Response } from 'express';
import { checkedIds, parseShopForm, type ShopFormValues } from '../../domain/merchants/onboarding-form';
import { applyForShop, openCampaigns } from '../../domain/merchants/onboarding-service';
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
  const db = ctx.database.db;
  const PATH = '/commercants/candidature';

  const page = (res: Response, status: number, values: ShopFormValues, errors: Record<string, string>, extra: { checked?: string[]; consent?: boolean; formError?: string } = {}) => {
    const fields = shopFieldsView(values, errors, res.locals.t);
    res.status(status).render('shop/application', {
      title: res.locals.t('onboarding.apply.title'),
      ...fields,
      errorCount: fields.errorCount,
      campaigns: campaignChoices(openCampaigns(db), extra.checked ?? []),
      consent: extra.consent,
      consentError: errors.consent ? res.locals.t(errors.consent) : null,
      formError: extra.formError,
    });
  };

  r.get(PATH, ctx.withCsrf, (_req, res) => page(res, 200, emptyShopValues(), {}));

  r.post(PATH, orderLimit, ctx.withCsrf, (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const form = parseShopForm(body);
    const checked = checkedIds(body.campaigns);
    const consent = body.consent === '1';
    const errors = { ...form.errors, ...(consent ? {} : { consent: 'onboarding.errors.consent' }) };
    if (!form.input || !consent) return page(res, 422, form.values, errors, { checked, consent });
    try {
      const merchant = applyForShop(ctx, { details: form.input, campaignIds: checked });
      ctx.logger.info({ merchantId: merchant.id, slug: merchant.slug }, 'shop application received');
      res.status(201).render('shop/application-sent', { title: res.locals.t('onboarding.sent.title'), shop: merchant.name, email: form.input.contactEmail, noIndex: true });
    } catch (err) {
      // Duplicate SIRET or contact email: shown beside the field, the rest kept as typed.
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      page(res, err.status, form.values, err.fields ?? {}, { checked, consent, formError: res.locals.t(err.messageKey) });
    }
  });
  return r;
}
