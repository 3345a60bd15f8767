import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { andThen } from '../../../db/store-units';
import { recordLookupFailure } from '../../domain/merchants/api-keys-service';
import { shopRedemptionsProgram } from '../../domain/redemptions/shop-redemption-reads';
import { voucherForShop, type Till } from '../../domain/redemptions/redemptions-service';
import { voucherForShopPostgres } from '../../domain/redemptions/voucher-lookup-pg';
import { readOn } from '../backend-units';
import { formatCode } from '../../lib/codes';
import { AppError } from '../../lib/errors';
import { addDays, startOfParisDay } from '../../lib/paris-time';
import type { AppContext } from '../context';
import { apiAuth, merchantActor } from '../middleware/auth';
import { apiHeaders, cookiesUnlessBearer } from '../middleware/api-headers';
import { leanJsonBody } from '../middleware/json-body';
import { chain } from '../middleware/chain';
import { DbMissLimiter } from '../middleware/db-rate-limits';
import { listRedemptionsSchema, redeemSchema } from './pos-schemas';
import { validate } from './validate';
import { sendJson } from './send-json';
import type { Redemption } from '../../domain/redemptions/redemption';

const redemptionJson = (r: Redemption) => ({
  id: r.id,
  number: r.number,
  amountCents: r.amountCents,
  status: r.status,
  createdAt: r.createdAt,
  ...(r.voidedAt ? { voidedAt: r.voidedAt } : {}),
});

/** Where the till's POS software (and our till page) posts redemptions. */
export const REDEMPTIONS_PATH = '/api/v1/redemptions';

/**
 * The shops' API (POS software and our own till page). Every route is scoped to the
 * calling shop. Failed lookups (unknown or mistyped codes) count against the key and
 * the IP: guessing codes is slowed, then the key is locked.
 *
 * These routes sit on the app itself, first after the request log, each with only the
 * middleware it needs: the till's POST is the hottest path of the product, and every
 * router level and general-purpose middleware in front of it showed in bench/ (the
 * locale is worked out only when an error needs words, see errorHandler).
 */
export interface PosRoutes {
  /** The till's POST, for app.ts to answer before the router too (answerBeforeRouter). */
  redeem: RequestHandler;
  /** Mounts every POS route on the app (the POST included: other spellings of its URL). */
  mount(app: Express): void;
}

/** Passes the error on, once known: `answer` is a promise when counting it went to PostgreSQL. */
function nextWith(next: NextFunction, answer: unknown): void {
  if (answer instanceof Promise) answer.then(next, next);
  else next(answer);
}

/**
 * The till's POST once the shop is known (res.locals.apiActor): validates, redeems through
 * `till` — SQLite or PostgreSQL, the same answer — and replies 201, or 200 for a retry.
 * `onError` lets the route count failed lookups against the key and address.
 */
export function redeemHandler(till: Till, onError: (res: Response, err: unknown) => unknown = (_res, err) => err): RequestHandler {
  return async (req, res, next) => {
    try {
      const shop = merchantActor(res);
      const body = validate(redeemSchema, req.body);
      const result = await till.redeem({ merchantId: shop.merchantId, actor: shop.actor, ...body });
      sendJson(res, result.replayed ? 200 : 201, {
        redemption: redemptionJson(result.redemption),
        voucher: { code: formatCode(result.voucher.code), balanceCents: result.voucher.balanceCents, status: result.voucher.status },
      });
    } catch (err) {
      nextWith(next, onError(res, err));
    }
  };
}

/** The void once the shop is known: through `till`, on either backend. */
export function voidHandler(till: Till): RequestHandler {
  return async (req, res, next) => {
    try {
      const shop = merchantActor(res);
      const result = await till.voidRedemption({ merchantId: shop.merchantId, actor: shop.actor, redemptionId: String(req.params.id) });
      res.json({
        redemption: redemptionJson(result.redemption),
        voucher: { code: formatCode(result.voucher.code), balanceCents: result.voucher.balanceCents, status: result.voucher.status },
        ...(result.creditedTo ? { creditedTo: result.creditedTo } : {}),
      });
    } catch (err) {
      next(err);
    }
  };
}

export function posRoutes(ctx: AppContext): PosRoutes {
  const auth = apiAuth(ctx, 'merchant');
  const json = leanJsonBody(16 * 1024);
  const api = (path: string) => `/api/v1${path}`;
  const lane = (...handlers: RequestHandler[]) => chain(apiHeaders, cookiesUnlessBearer, ...handlers);
  const misses = new DbMissLimiter(ctx, 'pos-miss-address', ctx.rateLimits.voucherMissesPer10Min, 10 * 60_000);
  const ipLimit = misses.middleware();

  /** The error to answer: a miss past the shared per-address limit answers 429 (another process may have counted the others). */
  const countFailures = (res: Response, err: unknown): unknown => {
    if (err instanceof AppError && (err.code === 'VOUCHER_NOT_FOUND' || err.code === 'INVALID_CODE')) {
      const key = res.locals.apiActor?.kind === 'merchant' ? res.locals.apiActor.key : undefined;
      // Synchronous on SQLite; on PostgreSQL the answer waits for both counts.
      return andThen(misses.miss(res.req.ip ?? ''), (over) =>
        andThen(key ? recordLookupFailure(ctx, key.id) : undefined, () => (over ? new AppError('RATE_LIMITED', 429, 'errors.rate_limited') : err)),
      );
    }
    return err;
  };
  const guarded = (handler: (req: Request, res: Response) => void | Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
    try {
      const done = handler(req, res);
      // PostgreSQL: the lookup's refusal arrives later, and is counted the same way.
      if (done instanceof Promise) done.catch((err: unknown) => nextWith(next, countFailures(res, err)));
    } catch (err) {
      nextWith(next, countFailures(res, err));
    }
  };

  const answerLookup = (res: Response, found: ReturnType<typeof voucherForShop>) => {
    res.set('Cache-Control', 'no-store').json({
      voucher: {
        code: formatCode(found.voucher.code),
        amountCents: found.voucher.amountCents,
        balanceCents: found.voucher.balanceCents,
        status: found.status,
        expiresAt: found.voucher.expiresAt,
        campaign: found.campaign.slug,
        campaignName: found.campaign.name,
        acceptedHere: found.acceptedHere,
      },
    });
  };

  const lookupRoute = lane(
    ipLimit,
    auth,
    guarded((req, res) => {
      const shop = merchantActor(res);
      const code = String(req.params.code);
      if (ctx.pg) return voucherForShopPostgres(ctx.pg, ctx.clock.now(), shop.merchantId, code).then((found) => answerLookup(res, found));
      answerLookup(res, voucherForShop(ctx.redemptions, shop.merchantId, code));
    }),
  );

  const redeemRoute = lane(ipLimit, auth, json, redeemHandler(ctx.till, countFailures));
  const voidRoute = lane(auth, voidHandler(ctx.till));

  const listRoute = lane(auth, async (req, res) => {
    const shop = merchantActor(res);
    const q = validate(listRedemptionsSchema, req.query);
    // Whole days are Paris days: ?from=2026-11-23&to=2026-11-23 is that one day.
    const from = q.from && (q.from.length === 10 ? startOfParisDay(q.from).toISOString() : new Date(q.from).toISOString());
    const to = q.to && (q.to.length === 10 ? startOfParisDay(addDays(q.to, 1)).toISOString() : new Date(q.to).toISOString());
    const rows = await readOn(ctx, () => shopRedemptionsProgram(shop.merchantId, { from, to, status: q.status }));
    res.json({ redemptions: rows.map(({ r: x, code }) => ({ ...redemptionJson(x), code: formatCode(code) })) });
  });
  return {
    redeem: redeemRoute,
    mount: (app) => {
      app.get(api('/vouchers/:code'), lookupRoute);
      app.post(REDEMPTIONS_PATH, redeemRoute);
      app.post(api('/redemptions/:id/void'), voidRoute);
      app.get(api('/redemptions'), listRoute);
    },
  };
}
