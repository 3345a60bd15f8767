import { Router, type Request, type Response } from 'express';
import { ceilingSettingKey, employerCeilingOf } from '../../domain/bulk/employer-gifts';
import type { Campaign } from '../../domain/campaigns/campaign';
import { transferBalance, transferDetails } from '../../domain/orders/bank-transfers-service';
import { publicCampaignSteps } from '../../domain/orders/order-creation';
import { sqliteOrderCreationStore } from '../../domain/orders/order-creation-store-sqlite';
import { pgOrderCreationStore } from '../../domain/orders/order-creation-store-pg';
import { createOrder, orderForToken } from '../../domain/orders/orders-service';
import { AppError } from '../../lib/errors';
import { formatIban } from '../../lib/identifiers';
import { parisDate } from '../../lib/paris-time';
import { sqliteOrganisationStore } from '../../domain/organisations/organisation-store';
import { pgOrganisationStore } from '../../domain/organisations/organisation-store-pg';
import { orderReads } from '../api/order-access';
import { storeReads } from '../backend-units';
import type { AppContext } from '../context';
import { csrfTokenValid } from '../middleware/csrf';
import { countOrderForEmail, orderCreationLimiter } from '../middleware/db-rate-limits';
import { emptyValues, FILE_FIELD, parseOrgForm, type FieldError } from './form-schema';
import { readMultipart } from './multipart';
import { beneficiariesTemplate } from './template-csv';
import { orgFormView, type OrgFormState } from './view-model';

const FORM = '/campagnes/:slug/commande-organisation';

/**
 * The organisations' order form (companies, town halls): identity, vouchers by quantities or
 * as a beneficiaries CSV, card or bank transfer, through the same createOrder as the API.
 *
 * Mounted before the global urlencoded parser and CSRF middleware: the form is
 * multipart/form-data, whose body only our reader parses, so the POST checks the `_csrf`
 * field itself once the fields are read, before anything else is looked at.
 */
export function organisationOrderRoutes(ctx: AppContext): Router {
  const r = Router();
  const orderLimit = orderCreationLimiter(ctx);
  // The campaign and the year's employer ceiling as the order itself reads them (the order's store), on the app's backend.
  const creationReads = storeReads(ctx, sqliteOrderCreationStore, pgOrderCreationStore);
  const campaignOf = (req: Request) => creationReads((s) => publicCampaignSteps(s, String(req.params.slug)));
  const ceiling = async () => {
    const year = Number(parisDate(ctx.clock.now()).slice(0, 4));
    return { year, cents: employerCeilingOf(await creationReads((s) => s.setting(ceilingSettingKey(year))), year) };
  };
  const render = async (res: Response, campaign: Campaign, status: number, state: OrgFormState) => {
    const view = orgFormView(campaign, res.locals, ctx.clock.now(), await ceiling(), state);
    res.status(status).set('Cache-Control', 'no-store').render('organisation/order-form', view);
  };
  const reads = orderReads(ctx);
  const orgReads = storeReads(ctx, sqliteOrganisationStore, pgOrganisationStore);

  r.get(FORM, ctx.withCsrf, async (req, res) => {
    const campaign = await campaignOf(req);
    await render(res, campaign, 200, { values: emptyValues(campaign) });
  });

  r.get(`${FORM}/modele.csv`, async (req, res) => {
    const campaign = await campaignOf(req);
    res.set('Content-Disposition', `attachment; filename="${res.locals.t('org_form.template.filename')}"`).type('text/csv; charset=utf-8').send(beneficiariesTemplate(campaign, res.locals));
  });

  r.post(FORM, orderLimit, ctx.withCsrf, async (req, res) => {
    const campaign = await campaignOf(req);
    const body = await readMultipart(req, FILE_FIELD);
    // Nothing was read from a body this large, not even the token: say what is wrong with it.
    if (body.failure === 'request_too_large') throw new AppError('PAYLOAD_TOO_LARGE', 413, 'org_form.request_too_large');
    if (!csrfTokenValid(ctx.config.sessionSecret, req, body.fields.get('_csrf')?.[0])) throw new AppError('CSRF_FAILED', 403, 'errors.csrf_failed');
    if (body.failure === 'too_many_parts') throw new AppError('PAYLOAD_TOO_LARGE', 413, 'errors.payload_too_large');
    if (body.failure === 'malformed' || body.failure === 'not_multipart') throw new AppError('BAD_REQUEST', 400, 'errors.bad_request');

    const form = parseOrgForm(body.fields, body.truncated, campaign, body.file);
    if (body.failure === 'file_too_large') {
      const errors = { ...form.errors, [FILE_FIELD]: { key: 'org_form.file_too_large', params: { size: '2' } } };
      return render(res, campaign, 413, { values: form.values, errors, formError: res.locals.t('org_form.file_too_large', { size: '2' }) });
    }
    if (!form.input) return render(res, campaign, 422, { values: form.values, errors: form.errors, csvReport: form.csvReport, fileSummary: form.fileSummary });
    await countOrderForEmail(ctx, res, form.input.buyer.email);

    try {
      const created = await createOrder(ctx.orders, { campaignSlug: campaign.slug, locale: res.locals.locale, ...form.input });
      ctx.kickOutbox();
      if (created.order.paymentMethod === 'card') return res.redirect(303, created.paymentUrl);
      res.redirect(303, `/commande-organisation/${created.order.id}?token=${encodeURIComponent(created.accessToken)}`);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.status === 404) throw err;
      const errors = domainErrors(err);
      await render(res, campaign, err.status, {
        values: form.values,
        errors,
        fileSummary: form.fileSummary,
        formError: Object.keys(errors).length ? undefined : res.locals.t(err.messageKey, err.params),
      });
    }
  });

  // Bank transfer: what to pay, to whom, with which reference (the order's access token).
  r.get('/commande-organisation/:id', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    const order = await orderForToken(ctx.orders, String(req.params.id), token);
    const q = `?token=${encodeURIComponent(token!)}`;
    if (order.paymentMethod !== 'bank_transfer') return res.redirect(303, `/commandes/${order.id}${q}`);
    const transfer = transferDetails(order, ctx.config.operator);
    const campaign = (await reads((s) => s.campaign(order.campaignId)))!;
    const voucherCount = await orgReads((s) => s.orderVoucherCount(order.id, { bonus: true }));
    res.set('Cache-Control', 'no-store').render('organisation/order-transfer', {
      title: res.locals.t('org_form.done.title', { reference: order.reference }),
      noIndex: true,
      order,
      campaign,
      voucherCount,
      paid: order.status === 'paid',
      cancelled: order.status === 'cancelled',
      // An order with a known organisation's SIRET and email awaits its contact's confirmation: the mail asked for it.
      unconfirmed: !order.organisationConfirmedAt,
      remainingCents: transferBalance(order).remainingCents,
      iban: formatIban(transfer.iban),
      bic: transfer.bic,
      beneficiary: transfer.beneficiary,
      proformaUrl: `/api/v1/orders/${order.id}/proforma.pdf${q}`,
    });
  });

  return r;
}

/**
 * The domain's field errors (same names as the form's fields) back onto the form. The
 * employer ceiling goes beside the gift-event choice, where the user can act on it.
 */
function domainErrors(err: AppError): Record<string, FieldError> {
  const errors: Record<string, FieldError> = {};
  for (const [name, key] of Object.entries(err.fields ?? {})) {
    const target = err.code === 'EMPLOYER_CEILING_EXCEEDED' ? 'ceiling' : name.startsWith('items') ? 'items' : name;
    errors[target] ??= { key, ...(err.params ? { params: err.params } : {}) };
  }
  return errors;
}
