import { Router, type Request, type Response } from 'express';
import { progress } from '../../domain/campaigns/campaign';
import { andThen } from '../../../db/store-units';
import { catalogUnits } from '../catalog-units';
import { DEFAULT_LOCALE, isLocale, translate, translateForPage, type Locale } from '../../lib/i18n';
import type { AppContext } from '../context';
import { PageCache } from '../page-cache';

/**
 * The progress widget a town pastes on its own website in an iframe. Mounted in app.ts
 * BEFORE the app's security headers, cookie parser and locale cookie: it sets its own
 * headers (a CSP whose frame-ancestors lets other sites frame it, and no X-Frame-Options)
 * without loosening anything for any other page, reads no cookie and sets none. The page
 * has no script at all (default-src 'none'), only our small stylesheet.
 */
export function embedRoutes(ctx: AppContext): Router {
  const r = Router();
  const cache = new PageCache(30_000);
  const catalog = catalogUnits(ctx);
  const https = ctx.config.baseUrl.startsWith('https://');
  const headers: [string, string][] = [
    ['Content-Security-Policy', `default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors ${ctx.config.embedFrameAncestors}`],
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    // Another site's page loads this document: it must not be refused as a cross-origin resource.
    ['Cross-Origin-Resource-Policy', 'cross-origin'],
    ...(https ? ([['Strict-Transport-Security', 'max-age=31536000; includeSubDomains']] as [string, string][]) : []),
  ];
  // The widget speaks the language of the page it is pasted on (the town's site says so with
  // ?lang=), never the visitor's browser: a French town page must not show an English box.
  const locale = (req: Request): Locale => (isLocale(req.query.lang) ? req.query.lang : DEFAULT_LOCALE);

  // The approved shops are counted, not loaded (the number listCampaignMerchants would give).
  const model = (slug: string, lang: Locale) =>
    andThen(
      catalog(function* (s) {
        const c = (yield* s.campaignBySlug(slug))!;
        return { c, shops: yield* s.shopCount(c.id) };
      }),
      ({ c, shops }) => {
        const t = (key: string, params?: Record<string, string | number>) => translateForPage(lang, key, params);
        return {
          layout: false,
          locale: lang,
          lang,
          campaign: { ...c, ...progress(c) },
          shops,
          url: `${ctx.baseUrl}/campagnes/${encodeURIComponent(c.slug)}`,
          title: t('cadmin.embed.widget_title', { name: c.name }),
        };
      },
    );

  r.get('/embed/campaigns/:file', (req: Request, res: Response) => {
    for (const [k, v] of headers) res.setHeader(k, v);
    const m = /^([a-z0-9-]{1,80})(\.json)?$/.exec(String(req.params.file));
    const lang = locale(req);
    const notFound = () => res.status(404).type('text/plain; charset=utf-8').send(translate(lang, 'errors.campaign_not_found'));
    if (!m) return notFound();
    const slug = m[1]!;
    return andThen(catalog((s) => s.progressBySlug(slug)), (p) => {
      // Drafts are not public: the same 404 as an unknown campaign.
      if (!p || p.status === 'draft') return notFound();
      if (m[2]) {
        return andThen(model(slug, lang), (v) => {
          res.setHeader('Access-Control-Allow-Origin', '*');
          res.json({ slug, name: v.campaign.name, status: v.campaign.status, targetCents: v.campaign.targetCents, soldCents: v.campaign.soldCents, redeemedCents: v.campaign.redeemedCents, soldPercent: v.campaign.soldPercent, redeemedPercent: v.campaign.redeemedPercent, shops: v.shops, url: v.url });
        });
      }
      // Keyed by the live figures like the public pages: progress is never stale, the shop count may lag 30 s.
      return cache.serve(req, res, `embed|${slug}|${lang}|${p.sold}|${p.redeemed}|${p.status}`, 'embed/campaign', () => model(slug, lang));
    });
  });
  return r;
}
