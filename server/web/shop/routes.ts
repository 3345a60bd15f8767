import { Router, type Request, type Response } from 'express';
import { publicCampaign, publicCampaignStep } from '../../domain/campaigns/campaigns-service';
import { andThen } from '../../../db/store-units';
import { catalogUnits } from '../catalog-units';
import { createOrder } from '../../domain/orders/orders-service';
import { AppError } from '../../lib/errors';
import { isLocale } from '../../lib/i18n';
import type { AppContext } from '../context';
import { localPath } from '../safe-redirect';
import { LOCALE_COOKIE } from '../middleware/locale';
import { countOrderForEmail, orderCreationLimiter } from '../middleware/db-rate-limits';
import { campaignView } from '../presenters';
import { directoryQuerySchema, isFiltered, type DirectoryFilter } from '../../domain/campaigns/shop-directory';
import { directoryView, loadDirectory } from './directory-view';
import { basketFromOrder, orderFormView } from './order-form-view';
import { orderForToken } from '../../domain/orders/orders-service';
import { publicCampaignSteps } from '../../domain/orders/order-creation';
import { sqliteOrderCreationStore } from '../../domain/orders/order-creation-store-sqlite';
import { pgOrderCreationStore } from '../../domain/orders/order-creation-store-pg';
import type { Campaign } from '../../domain/campaigns/campaign';
import { storeReads } from '../backend-units';
import { orderReads } from '../api/order-access';
import { renderOrderPage } from './order-page';
import { PageCache } from '../page-cache';
import { SESSION_COOKIE } from '../middleware/auth';
import { parseOrderForm } from './schemas';


/**
 * The public pages (home, campaign) only: GET, no form, no session. Mounted before the
 * form and API middleware because they are the busiest pages; rendered HTML is cached
 * for anonymous visitors (see PageCache), keyed by the live progress figures and the
 * footer's accessibility conformity (issue 15: the footer states it) and the brand version
 * (a saved brand shows at once).
 */
export function publicPages(ctx: AppContext): Router {
  const r = Router();
  const cache = new PageCache(30_000);
  const catalog = catalogUnits(ctx);
  const anonymous = (req: Request) => !req.cookies?.[SESSION_COOKIE];
  // The on-sale flag moves with time: part of the key, to the minute.
  const minute = () => Math.floor(ctx.clock.now().getTime() / 60_000);

  const home = (res: Response) =>
    andThen(
      catalog(function* (s) {
        const listed = [];
        for (const c of yield* s.publicCampaigns()) listed.push({ c, shops: yield* s.shopCount(c.id) });
        return listed;
      }),
      (listed) => {
        const now = ctx.clock.now();
        const campaigns = listed.map(({ c, shops }) => ({ ...campaignView(c, res.locals.locale, now), merchantCount: shops }));
        return { title: res.locals.t('home.title'), campaigns };
      },
    );
  r.get('/', (req, res) => {
    if (!anonymous(req)) return andThen(home(res), (model) => res.render('shop/home', model));
    return andThen(catalog((s) => s.progressVersion()), (version) =>
      cache.serve(req, res, `home|${res.locals.locale}|${res.locals.footerConformity}|${res.locals.brand?.version}|${minute()}|${version}`, 'shop/home', () => home(res)),
    );
  });

  const campaignPage = (slug: string, res: Response, filter: DirectoryFilter) =>
    andThen(
      catalog(function* (s) {
        const campaign = yield* publicCampaignStep(s, slug);
        return { campaign, shops: yield* loadDirectory(s, campaign.id) };
      }),
      ({ campaign, shops }) => {
        const now = ctx.clock.now();
        return {
          title: campaign.name,
          campaign: campaignView(campaign, res.locals.locale, now),
          merchants: { count: shops.length },
          directory: directoryView(shops, filter, now, res.locals.locale, slug, ctx.config.mapTiles),
          extraJs: '/js/directory.js',
        };
      },
    );
  r.get('/campagnes/:slug', (req, res) => {
    const slug = req.params.slug;
    return andThen(catalog((s) => s.progressBySlug(slug)), (p) => {
      if (!p || p.status === 'draft') throw new AppError('CAMPAIGN_NOT_FOUND', 404, 'errors.campaign_not_found');
      const filter = directoryQuerySchema.parse(req.query);
      // A search is rendered for its visitor: only the unfiltered page is shared in the cache,
      // so that arbitrary search words never push it out.
      if (!anonymous(req) || isFiltered(filter)) return andThen(campaignPage(slug, res, filter), (model) => res.render('shop/campaign', model));
      return cache.serve(req, res, `campaign|${slug}|${res.locals.locale}|${res.locals.footerConformity}|${res.locals.brand?.version}|${minute()}|${p.sold}|${p.redeemed}|${p.status}|${p.bonus}`, 'shop/campaign', () => campaignPage(slug, res, filter));
    });
  });
  return r;
}

export function shopRoutes(ctx: AppContext): Router {
  const r = Router();
  const orderLimit = orderCreationLimiter(ctx);
  const db = ctx.database.db;

  r.get('/langue/:lang', (req, res) => {
    if (isLocale(req.params.lang)) {
      res.cookie(LOCALE_COOKIE, req.params.lang, { maxAge: 365 * 86400_000, sameSite: 'lax', secure: ctx.secureCookies, httpOnly: true });
    }
    res.redirect(303, localPath(req.query.back));
  });

  // On the backend the app runs on (the order's own store: the same read the order takes).
  const campaignReads = storeReads(ctx, sqliteOrderCreationStore, pgOrderCreationStore);
  const loadCampaign = (slug: string) => campaignReads((store) => publicCampaignSteps(store, slug));
  const reads = orderReads(ctx);

  // ?reprendre=<order id>&token=<its access token>: the form filled with that order's basket.
  // Anything that does not match (unknown order, wrong token, other campaign) gives the empty form.
  const earlierBasket = async (req: Request, campaignId: string, c: Campaign) => {
    const id = req.query.reprendre;
    const token = req.query.token;
    if (typeof id !== 'string' || typeof token !== 'string') return undefined;
    try {
      const order = await orderForToken(ctx.orders, id, token);
      if (order.campaignId !== campaignId || order.buyerType !== 'individual') return undefined;
      return basketFromOrder(c, order, await reads((store) => store.items(order.id)));
    } catch (err) {
      if (err instanceof AppError && err.status === 404) return undefined;
      throw err;
    }
  };

  r.get('/campagnes/:slug/commander', ctx.withCsrf, async (req, res) => {
    const campaign = await loadCampaign(String(req.params.slug));
    res.render('shop/order-form', orderFormView(campaign, res.locals, ctx.clock.now(), await earlierBasket(req, campaign.id, campaign)));
  });

  r.post('/campagnes/:slug/commander', orderLimit, ctx.withCsrf, async (req: Request, res: Response) => {
    const campaign = await loadCampaign(String(req.params.slug));
    const form = parseOrderForm(req.body ?? {}, campaign);
    const rerender = (status: number, errors: Record<string, string>, formError?: string) =>
      res.status(status).render('shop/order-form', orderFormView(campaign, res.locals, ctx.clock.now(), form.values, errors, formError));
    if (!form.input) return rerender(422, form.errors);
    await countOrderForEmail(ctx, res, form.input.buyer.email);
    try {
      const created = await createOrder(ctx.orders, {
        campaignSlug: campaign.slug,
        buyer: { type: 'individual', ...form.input.buyer },
        items: form.input.items,
        paymentMethod: 'card',
        locale: res.locals.locale,
      });
      res.redirect(303, created.paymentUrl);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.status === 404) throw err;
      rerender(err.status, {}, res.locals.t(err.messageKey, err.params));
    }
  });

  r.get('/commandes/:id', ctx.withCsrf, async (req, res) => {
    const saved = typeof req.query.envoi === 'string' ? req.query.envoi : undefined;
    await renderOrderPage(ctx, req, res, 200, saved ? { voucherId: saved, saved: true } : undefined);
  });

  return r;
}
