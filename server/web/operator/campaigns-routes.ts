import { Router, type Request, type Response } from 'express';
import {
  closeCampaignSteps,
  createCampaignSteps,
  listAllCampaignsSteps,
  publishCampaignSteps,
  storeCampaignImage,
  updateCampaignSteps,
} from '../../domain/campaigns/campaign-admin-service';
import type { Campaign } from '../../domain/campaigns/campaign';
import { campaignToValues, campaignValues, checkImage, IMAGE_MAX_BYTES, newCampaignValues, parseCampaignForm } from '../../domain/campaigns/campaign-form';
import { can } from '../../domain/operators/roles';
import { AppError } from '../../lib/errors';
import { parisDate } from '../../lib/paris-time';
import { catalogUnits } from '../catalog-units';
import type { AppContext } from '../context';
import { campaignAdminReads, campaignAdminUnits } from './campaign-admin-units';
import { csrfTokenValid } from '../middleware/csrf';
import { MULTIPART_LIMITS, readMultipart } from '../organisation-order/multipart';
import { campaignDetailView, campaignFormView, campaignListView, type CampaignFormState } from './campaigns-view';
import { operatorArea, operatorPage, requireOperator } from './session';

const BASE = '/operateur/campagnes';
const NEW = `${BASE}/nouvelle`;
const IMAGE_FIELD = 'image';
/** ~50 fields (22 category boxes), a 4 000-character description and one 2 MB image. */
// readMultipart types its limits as the order form's literal constants; only the numbers matter.
const LIMITS = { ...MULTIPART_LIMITS, fileBytes: IMAGE_MAX_BYTES, fields: 70, fieldBytes: 4_100, requestBytes: 3 * 1024 * 1024 } as unknown as typeof MULTIPART_LIMITS;

const by = (res: Response) => ({ actor: `operator:${res.locals.operatorUser!.id}` });
const findBySlug = (ctx: AppContext, slug: string) => catalogUnits(ctx)((s) => s.campaignBySlug(slug));

async function campaignOf(ctx: AppContext, req: Request): Promise<Campaign> {
  const c = await findBySlug(ctx, String(req.params.slug));
  if (!c) throw new AppError('CAMPAIGN_NOT_FOUND', 404, 'errors.campaign_not_found');
  return c;
}

/** The campaign page: facts and embed snippet for every role; the form and actions for managers. */
function renderDetail(ctx: AppContext, req: Request, res: Response, c: Campaign, status = 200, state?: CampaignFormState, alert?: string) {
  const t = res.locals.t;
  const canManage = can(res.locals.operatorUser!.role, 'campaigns.manage') && c.status !== 'closed';
  const done = status === 200 && typeof req.query.done === 'string' && /^[a-z]+$/.test(req.query.done) ? t(`cadmin.done.${req.query.done}`) : null;
  res.status(status).render('operator/campaign-form', {
    title: c.name,
    ...operatorPage(res, 'campaigns'),
    campaign: campaignDetailView(c, t, res.locals.locale, ctx.baseUrl),
    canManage,
    canAct: can(res.locals.operatorUser!.role, 'campaigns.manage'),
    action: `${BASE}/${c.slug}`,
    done,
    alert: alert ?? null,
    form: canManage ? campaignFormView(state ?? { values: campaignToValues(c) }, t) : null,
  });
}

function renderNew(res: Response, status: number, state: CampaignFormState) {
  res.status(status).render('operator/campaign-form', {
    title: res.locals.t('cadmin.new_title'),
    ...operatorPage(res, 'campaigns'),
    isNew: true,
    canManage: true,
    action: NEW,
    form: campaignFormView(state, res.locals.t),
  });
}

/**
 * The create and edit forms post multipart (an image may come with them): mounted in app.ts
 * before the global urlencoded parser and CSRF check, like the organisation order form. The
 * role is checked first, then the body is read within strict limits and `_csrf` verified,
 * before anything in it is looked at.
 */
export function operatorCampaignFormRoutes(ctx: AppContext): Router {
  const r = Router();
  const guard = [ctx.withCsrf, operatorArea(ctx), requireOperator('campaigns.manage')];

  /** Reads and checks the post; returns the parsed form and a checked image (if any). */
  const readForm = async (req: Request) => {
    const body = await readMultipart(req, IMAGE_FIELD, LIMITS);
    if (body.failure === 'request_too_large') throw new AppError('PAYLOAD_TOO_LARGE', 413, 'errors.payload_too_large');
    if (!csrfTokenValid(ctx.config.sessionSecret, req, body.fields.get('_csrf')?.[0])) throw new AppError('CSRF_FAILED', 403, 'errors.csrf_failed');
    if (body.failure === 'too_many_parts') throw new AppError('PAYLOAD_TOO_LARGE', 413, 'errors.payload_too_large');
    if (body.failure === 'malformed' || body.failure === 'not_multipart') throw new AppError('BAD_REQUEST', 400, 'errors.bad_request');
    const form = parseCampaignForm(campaignValues(body.fields));
    const errors = { ...form.errors };
    for (const k of body.truncated) errors[k] = 'cadmin.errors.too_long';
    let image: ReturnType<typeof checkImage> | null = null;
    if (body.failure === 'file_too_large') errors.image = 'cadmin.errors.image_too_large';
    else if (body.file) {
      image = checkImage(body.file.bytes);
      if (!image.ok) errors.image = image.reason === 'too_large' ? 'cadmin.errors.image_too_large' : 'cadmin.errors.image_type';
    }
    const ok = form.input && Object.keys(errors).length === 0;
    const store = () => (image?.ok && body.file ? storeCampaignImage(ctx.config.dataDir, { bytes: body.file.bytes, ext: image.ext }) : undefined);
    return { input: ok ? form.input : null, values: form.values, errors, store, removeImage: body.fields.get('removeImage')?.[0] === '1', tooLarge: body.failure === 'file_too_large' };
  };

  r.post(NEW, ...guard, async (req, res) => {
    const f = await readForm(req);
    if (!f.input) return renderNew(res, f.tooLarge ? 413 : 422, { values: f.values, errors: f.errors });
    const input = f.input;
    const image = f.store() ?? null;
    const c = await campaignAdminUnits(ctx)((s) => createCampaignSteps(s, ctx.clock.now(), input, image, by(res)));
    ctx.logger.info({ campaignId: c.id, operatorId: res.locals.operatorUser!.id }, 'campaign created');
    res.redirect(303, `${BASE}/${encodeURIComponent(c.slug)}?done=created`);
  });

  r.post(`${BASE}/:slug`, ...guard, async (req, res) => {
    const c = await campaignOf(ctx, req);
    const f = await readForm(req);
    if (!f.input) return renderDetail(ctx, req, res, c, f.tooLarge ? 413 : 422, { values: f.values, errors: f.errors });
    try {
      const stored = f.store();
      const input = f.input;
      await campaignAdminUnits(ctx)((s) => updateCampaignSteps(s, ctx.clock.now(), c.slug, input, stored ?? (f.removeImage ? null : undefined), by(res)));
      res.redirect(303, `${BASE}/${encodeURIComponent(c.slug)}?done=saved`);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.status === 404) throw err;
      const fresh = (await findBySlug(ctx, c.slug)) ?? c;
      const alert = res.locals.t(err.messageKey, err.params);
      if (fresh.status === 'closed') return renderDetail(ctx, req, res, fresh, err.status, undefined, alert);
      renderDetail(ctx, req, res, fresh, err.status, { values: f.values, errors: { ...err.fields }, alert }, alert);
    }
  });
  return r;
}

/** The list, the pages and the status actions (urlencoded, behind the global CSRF check). */
export function operatorCampaignRoutes(ctx: AppContext): Router {
  const r = Router();

  r.get(BASE, requireOperator('campaigns.read'), async (_req, res) => {
    const t = res.locals.t;
    const list = await campaignAdminReads(ctx)((s) => listAllCampaignsSteps(s));
    res.render('operator/campaigns', {
      title: t('cadmin.list_title'),
      ...operatorPage(res, 'campaigns'),
      campaigns: campaignListView(list, t, res.locals.locale),
      canManage: can(res.locals.operatorUser!.role, 'campaigns.manage'),
    });
  });

  r.get(NEW, requireOperator('campaigns.manage'), (_req, res) => renderNew(res, 200, { values: newCampaignValues(parisDate(ctx.clock.now())) }));

  r.get(`${BASE}/:slug`, requireOperator('campaigns.read'), async (req, res) => renderDetail(ctx, req, res, await campaignOf(ctx, req)));

  const statusAction = (path: string, run: typeof publishCampaignSteps, done: string) =>
    r.post(`${BASE}/:slug/${path}`, requireOperator('campaigns.manage'), async (req, res) => {
      const c = await campaignOf(ctx, req);
      try {
        await campaignAdminUnits(ctx)((s) => run(s, ctx.clock.now(), c.slug, by(res)));
        ctx.logger.info({ campaignId: c.id, operatorId: res.locals.operatorUser!.id, action: path }, 'campaign status changed');
        res.redirect(303, `${BASE}/${encodeURIComponent(c.slug)}?done=${done}`);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        const t = res.locals.t;
        renderDetail(ctx, req, res, c, err.status, undefined, t(err.messageKey, { status: t(`cadmin.status.${c.status}`) }));
      }
    });
  statusAction('publier', publishCampaignSteps, 'published');
  statusAction('cloturer', closeCampaignSteps, 'closed');
  return r;
}
