import { Router, type Request, type Response } from 'express';
import { contrastFigures, LOGO_MAX_BYTES, normaliseColour, parseBrandForm, type BrandErrors, type BrandSummary } from '../../domain/brand/brand';
import { saveBrandSteps } from '../../domain/brand/brand-service';
import { sqliteBrandStore } from '../../domain/brand/brand-store';
import { pgBrandStore } from '../../domain/brand/brand-store-pg';
import { checkImage, IMAGE_MAX_BYTES } from '../../domain/campaigns/campaign-form';
import { AppError } from '../../lib/errors';
import { brandLocals, readerOf } from '../brand/routes';
import type { AppContext } from '../context';
import { csrfTokenValid } from '../middleware/csrf';
import { MULTIPART_LIMITS, readMultipart } from '../organisation-order/multipart';
import { adminUnits } from './admin-units';
import { operatorArea, operatorPage, requireOperator } from './session';

export const BRAND_SETTINGS_PATH = '/operateur/identite-visuelle';
const FILES = ['logo', 'image'] as const;
/** Four text fields, a 512 KB logo and a 2 MB image. */
const LIMITS = { ...MULTIPART_LIMITS, fileBytes: IMAGE_MAX_BYTES, files: 2, fields: 10, fieldBytes: 400, requestBytes: 3 * 1024 * 1024 };

interface FormValues {
  name: string;
  primary: string;
  accent: string;
}

const valuesOf = (b: BrandSummary): FormValues => ({ name: b.name ?? '', primary: b.primary, accent: b.accent });

/**
 * « Identité visuelle »: the admins set the scheme's name, colours, logo and default campaign
 * image. The form posts multipart (two images may come with it), so it is mounted before the
 * global urlencoded parser and CSRF check, like the campaign form: role first, then the body
 * within strict limits, then `_csrf`, before anything in it is looked at. Colours failing the
 * contrast rules refuse the whole form: nothing is saved.
 */
export function operatorBrandRoutes(ctx: AppContext): Router {
  const r = Router();
  const guard = [ctx.withCsrf, operatorArea(ctx), requireOperator('settings.manage')];

  const readBrand = readerOf(ctx);
  const render = async (res: Response, status: number, values: FormValues, errors: BrandErrors = {}) => {
    const t = res.locals.t;
    const current = brandLocals(await readBrand());
    const err = (k: keyof BrandErrors) => (errors[k] ? t(errors[k]!) : null);
    const primary = normaliseColour(values.primary);
    const accent = normaliseColour(values.accent);
    const figures = primary && accent ? formatFigures(contrastFigures(primary, accent), res.locals.locale) : null;
    res.status(status).render('operator/brand', {
      title: t('brand.title'),
      ...operatorPage(res, 'brand'),
      action: BRAND_SETTINGS_PATH,
      saved: res.req.query.ok === '1' && status === 200,
      hasErrors: Object.keys(errors).length > 0,
      values,
      errors: { name: err('name'), primary: err('primary'), accent: err('accent'), logo: err('logo'), image: err('image') },
      nameHint: t('brand.name_hint', { site: t('site.name') }),
      contrast: figures ? t('brand.contrast_now', { white: figures.whiteOnPrimary, page: figures.primaryOnPage, accentWhite: figures.accentOnWhite, accentPage: figures.accentOnPage }) : null,
      logoUrl: current.logoUrl,
      imageUrl: current.imageUrl,
    });
  };

  r.get(BRAND_SETTINGS_PATH, ...guard, async (_req, res) => render(res, 200, valuesOf(await readBrand())));

  r.post(BRAND_SETTINGS_PATH, ...guard, async (req: Request, res: Response) => {
    const body = await readMultipart(req, FILES, LIMITS);
    if (body.failure === 'request_too_large') throw new AppError('PAYLOAD_TOO_LARGE', 413, 'errors.payload_too_large');
    if (!csrfTokenValid(ctx.config.sessionSecret, req, body.fields.get('_csrf')?.[0])) throw new AppError('CSRF_FAILED', 403, 'errors.csrf_failed');
    if (body.failure === 'too_many_parts') throw new AppError('PAYLOAD_TOO_LARGE', 413, 'errors.payload_too_large');
    if (body.failure === 'malformed' || body.failure === 'not_multipart') throw new AppError('BAD_REQUEST', 400, 'errors.bad_request');
    const field = (k: string) => body.fields.get(k)?.[0] ?? '';
    const values: FormValues = { name: field('name'), primary: field('primary'), accent: field('accent') };
    const form = parseBrandForm(values);
    const errors: BrandErrors = { ...form.errors };
    for (const k of body.truncated) if (k === 'name' || k === 'primary' || k === 'accent') errors[k] = k === 'name' ? 'brand.errors.name_too_long' : 'brand.errors.colour_format';
    const uploads: Partial<Record<(typeof FILES)[number], { bytes: Buffer; type: 'png' | 'jpg' }>> = {};
    for (const which of FILES) {
      const file = body.files.get(which);
      if (body.tooLargeFiles.has(which) || (which === 'logo' && file && file.bytes.length > LOGO_MAX_BYTES)) {
        errors[which] = `brand.errors.${which}_too_large`;
        continue;
      }
      if (!file) continue;
      const check = checkImage(file.bytes);
      if (check.ok) uploads[which] = { bytes: file.bytes, type: check.ext };
      else errors[which] = check.reason === 'too_large' ? `brand.errors.${which}_too_large` : `brand.errors.${which}_type`;
    }
    if (!form.input || Object.keys(errors).length > 0) return render(res, body.tooLargeFiles.size > 0 ? 413 : 422, values, errors);
    const keepOrRemove = (which: (typeof FILES)[number]) => uploads[which] ?? (field(`remove_${which}`) === '1' ? null : undefined);
    const edit = { ...form.input, logo: keepOrRemove('logo'), image: keepOrRemove('image') };
    const version = await adminUnits(ctx, sqliteBrandStore, pgBrandStore)((s) => saveBrandSteps(s, ctx.clock.now(), `operator:${res.locals.operatorUser!.id}`, edit));
    ctx.logger.info({ operatorId: res.locals.operatorUser!.id, version }, 'brand saved');
    res.redirect(303, `${BRAND_SETTINGS_PATH}?ok=1`);
  });
  return r;
}

/** 4.5 reads « 4,5 » in French. */
function formatFigures(f: ReturnType<typeof contrastFigures>, locale: string) {
  const fmt = new Intl.NumberFormat(locale === 'en' ? 'en-GB' : 'fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, fmt.format(v)])) as Record<keyof typeof f, string>;
}
