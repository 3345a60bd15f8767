import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { createApiKeySteps, isLocked, revokeKeySteps } from '../../domain/merchants/api-keys-service';
import { sqliteApiKeyAdminStore, type ApiKeyAdminStore } from '../../domain/merchants/api-key-admin-store';
import { pgApiKeyAdminStore } from '../../domain/merchants/api-key-admin-store-pg';
import { inviteStaff, removeStaff, shopTeam } from '../../domain/merchants/merchant-users-service';
import { shopRedemptionLinesProgram, shopRedemptionsProgram } from '../../domain/redemptions/shop-redemption-reads';
import { AppError } from '../../lib/errors';
import { parsePeriod } from '../../lib/calendar-date';
import { addDays, parisDate, startOfParisDay } from '../../lib/paris-time';
import type { AppContext } from '../context';
import { requireShopUser } from '../middleware/auth';
import { streamLines } from '../stream-lines';
import { dailyTotals, redemptionRows, redemptionsCsvLines } from './dashboard-view';
import { hoursFormValues, parseHoursForm, type HoursFormValues } from '../../domain/merchants/opening-hours';
import { sqliteOpeningHoursStore } from '../../domain/merchants/opening-hours-store';
import { pgOpeningHoursStore } from '../../domain/merchants/opening-hours-store-pg';
import { parsePositionForm, positionFormValues } from '../../domain/merchants/shop-position';
import { setOpeningHours, shopWeekSteps } from '../../domain/merchants/opening-hours-service';
import { readOn, storeReads, storeUnits, streamOn } from '../backend-units';
import { hoursFormView } from '../hours-form-view';

const statusSchema = z.enum(['completed', 'voided']).optional().catch(undefined);

/** The shop's own pages: till, dashboard, API keys, team. Every query is scoped to the signed-in user's shop. */
export function merchantShopRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(['/caisse', '/commercant'], ctx.withCsrf, requireShopUser());
  const me = (res: Response) => res.locals.shopUser!;
  // The shop's keys and week, on the app's backend (backend-units.ts).
  const keyWrites = storeUnits<ApiKeyAdminStore>(ctx, sqliteApiKeyAdminStore, pgApiKeyAdminStore);
  const keyReads = storeReads<ApiKeyAdminStore>(ctx, sqliteApiKeyAdminStore, pgApiKeyAdminStore);
  const weekReads = storeReads(ctx, sqliteOpeningHoursStore, pgOpeningHoursStore);
  const nav = (res: Response, active: string) => ({ shop: me(res).merchant, user: me(res).user, owner: me(res).user.role === 'owner', [`nav_${active}`]: true, noIndex: true, bodyClass: 'shop-area' });

  r.get('/caisse', (_req, res) => {
    res.render('till/till', { title: res.locals.t('till.title'), ...nav(res, 'till'), voidWindowMinutes: ctx.config.voidWindowMinutes, bodyClass: 'shop-area till-page', extraCss: '/css/till.css', extraJs: '/js/till.js' });
  });

  // The till's forms post here only when till.js is not running: the code in the body is not
  // used (nothing is taken without the script's confirmation step); back to the till, whose
  // <noscript> notice says it needs JavaScript.
  r.post('/caisse', (_req, res) => res.redirect(303, '/caisse'));

  const period = (req: Request) => {
    // A date that is not a real day (or outside 2000–2100) is refused with a message, never guessed.
    const f = { ...parsePeriod(req.query), status: statusSchema.parse(req.query.status) };
    const today = parisDate(ctx.clock.now());
    const from = f.from ?? addDays(today, -29);
    const to = f.to ?? today;
    return {
      filter: { from, to, status: f.status },
      query: { from: startOfParisDay(from).toISOString(), to: startOfParisDay(addDays(to, 1)).toISOString(), status: f.status },
    };
  };

  r.get('/commercant', async (req, res) => {
    const shop = me(res).merchant;
    const { filter, query } = period(req);
    const rows = await readOn(ctx, () => shopRedemptionsProgram(shop.id, query));
    const today = parisDate(ctx.clock.now());
    const totals = dailyTotals(rows);
    const keys = (await keyReads((store) => store.list(shop.id))).filter((k) => !k.revokedAt && isLocked(k, ctx.clock.now()));
    res.render('merchant/dashboard', {
      title: res.locals.t('dashboard.title'),
      ...nav(res, 'dashboard'),
      filter,
      statusAll: !filter.status,
      statusCompleted: filter.status === 'completed',
      statusVoided: filter.status === 'voided',
      today: totals.find((d) => d.day === today) ?? { count: 0, totalCents: 0 },
      periodTotal: totals.reduce((s, d) => s + d.totalCents, 0),
      days: totals,
      rows: redemptionRows(rows.slice(0, 500), res.locals.locale, ctx.clock.now(), ctx.config.voidWindowMinutes),
      truncated: rows.length > 500,
      csvUrl: `/commercant/operations.csv?${new URLSearchParams(Object.entries(filter).filter(([, v]) => v) as [string, string][])}`,
      lockedKeys: keys.length,
    });
  });

  // Every operation of the period (no cap), streamed page by page: flat memory, the till keeps its latency.
  r.get('/commercant/operations.csv', async (req, res) => {
    const shop = me(res).merchant;
    const { filter, query } = period(req);
    res.type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="operations-${shop.slug}-${filter.from}-${filter.to}.csv"`);
    await streamLines(res, redemptionsCsvLines(streamOn(ctx, shopRedemptionLinesProgram(shop.id, query))), { eol: '\r\n', bom: true });
  });

  r.post('/commercant/operations/:id/annuler', async (req, res) => {
    const u = me(res);
    // The till's void (SQLite or PostgreSQL, ctx.till): the same rules as the API's.
    await ctx.till.voidRedemption({ merchantId: u.merchant.id, actor: `user:${u.user.id}`, redemptionId: String(req.params.id) });
    res.redirect(303, '/commercant');
  });

  // Owner-only pages.
  r.use(['/commercant/cles', '/commercant/equipe', '/commercant/horaires'], requireShopUser('owner'));

  // The shop's weekly opening hours, shown in the campaign's shop directory (issue 15).
  // With a map configured (MAP_TILE_URL), the same form places the shop's pin.
  const withMap = Boolean(ctx.config.mapTiles);
  const hoursPage = (res: Response, status: number, values: HoursFormValues, errors: Record<string, string> = {}, saved = false, position?: { latitude: string; longitude: string }) =>
    res.status(status).render('merchant/hours', { title: res.locals.t('hours.title'), ...nav(res, 'hours'), hours: hoursFormView(values, errors, res.locals.t, res.locals.locale, withMap ? position : undefined), saved });
  r.get('/commercant/horaires', async (req, res) => {
    const week = await weekReads((store) => shopWeekSteps(store, me(res).merchant.id));
    hoursPage(res, 200, hoursFormValues(week.hours), {}, req.query.enregistre === '1', positionFormValues(week.position ?? { latitude: null, longitude: null }));
  });
  r.post('/commercant/horaires', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const form = parseHoursForm(body);
    const place = withMap ? parsePositionForm(body) : undefined;
    if (!form.input || (place && place.position === undefined)) return hoursPage(res, 422, form.values, { ...form.errors, ...place?.errors }, false, place?.values);
    const u = me(res);
    await setOpeningHours(ctx, u.merchant.id, form.input, `user:${u.user.id}`, place?.position);
    res.redirect(303, '/commercant/horaires?enregistre=1');
  });

  const keysPage = async (res: Response, extra: object = {}) => {
    const now = ctx.clock.now();
    const keys = (await keyReads((store) => store.list(me(res).merchant.id))).map((k) => ({ ...k, state: k.revokedAt ? 'revoked' : isLocked(k, now) ? 'locked' : 'active', active: !k.revokedAt }));
    res.render('merchant/keys', { title: res.locals.t('keys.title'), ...nav(res, 'keys'), keys, ...extra });
  };
  r.get('/commercant/cles', (_req, res) => keysPage(res));
  r.post('/commercant/cles', async (req, res) => {
    const label = String(req.body?.label ?? '').trim().slice(0, 60) || res.locals.t('keys.default_label');
    const now = ctx.clock.now();
    const { key } = await keyWrites((store) => createApiKeySteps(store, now, { kind: 'merchant', merchantId: me(res).merchant.id, label }));
    res.set('Cache-Control', 'no-store');
    await keysPage(res, { newKey: key });
  });
  r.post('/commercant/cles/:id/revoquer', async (req, res) => {
    const now = ctx.clock.now();
    await keyWrites((store) => revokeKeySteps(store, me(res).merchant.id, String(req.params.id), now));
    res.redirect(303, '/commercant/cles');
  });

  const inviteSchema = z.object({ name: z.string().trim().min(1, { message: 'errors.required' }).max(80, { message: 'errors.too_long' }), email: z.string().trim().toLowerCase().pipe(z.email({ message: 'errors.email' })) });
  const teamPage = async (res: Response, status = 200, extra: object = {}) =>
    res.status(status).render('merchant/team', { title: res.locals.t('team.title'), ...nav(res, 'team'), team: (await shopTeam(ctx.users, me(res).merchant.id)).map((u) => ({ ...u, pending: !u.passwordHash, removable: u.role === 'staff' })), ...extra });
  r.get('/commercant/equipe', (_req, res) => teamPage(res));
  r.post('/commercant/equipe', async (req, res) => {
    const parsed = inviteSchema.safeParse(req.body ?? {});
    const values = { name: String(req.body?.name ?? '').slice(0, 80), email: String(req.body?.email ?? '').slice(0, 254) };
    if (!parsed.success) {
      const errors = Object.fromEntries(parsed.error.issues.map((i) => [`${String(i.path[0])}Error`, res.locals.t(i.message)]));
      return teamPage(res, 422, { values, ...errors });
    }
    try {
      await inviteStaff(ctx.users, me(res), parsed.data, res.locals.locale);
    } catch (err) {
      if (err instanceof AppError && err.code === 'EMAIL_TAKEN') return teamPage(res, 409, { values, emailError: res.locals.t(err.messageKey) });
      throw err;
    }
    ctx.kickOutbox();
    teamPage(res, 200, { invited: parsed.data.email });
  });
  r.post('/commercant/equipe/:id/retirer', async (req, res) => {
    await removeStaff(ctx.users, me(res), String(req.params.id));
    res.redirect(303, '/commercant/equipe');
  });
  return r;
}
