import { Router, type NextFunction, type Request, type Response } from 'express';
import { recordLookupFailure } from '../../domain/merchants/api-keys-service';
import { listShopRedemptions } from '../../domain/redemptions/redemptions-repository';
import { redeem, voidRedemption, voucherForShop } from '../../domain/redemptions/redemptions-service';
import { formatCode } from '../../lib/codes';
import { AppError } from '../../lib/errors';
import { endOfParisDay, addDays } from '../../lib/paris-time';
import type { AppContext } from '../context';
import { apiAuth, merchantActor } from '../middleware/auth';
import { MissLimiter } from '../middleware/miss-limiter';
import { listRedemptionsSchema, redeemSchema } from './pos-schemas';
import { validate } from './validate';
import type { Redemption } from '../../domain/redemptions/redemption';

const redemptionJson = (r: Redemption) => ({
  id: r.id,
  number: r.number,
  amountCents: r.amountCents,
  status: r.status,
  createdAt: r.createdAt,
  ...(r.voidedAt ? { voidedAt: r.voidedAt } : {}),
});

/**
 * The shops' API (POS software and our own till page). Every route is scoped to the
 * calling shop. Failed lookups (unknown or mistyped codes) count against the key and
 * the IP: guessing codes is slowed, then the key is locked.
 */
export function posRoutes(ctx: AppContext): Router {
  const r = Router();
  const auth = apiAuth(ctx, 'merchant');
  const misses = new MissLimiter(ctx.rateLimits.voucherMissesPer10Min, 10 * 60_000);
  const ipLimit = misses.middleware();

  const countFailures = (res: Response, err: unknown) => {
    if (err instanceof AppError && (err.code === 'VOUCHER_NOT_FOUND' || err.code === 'INVALID_CODE')) {
      misses.miss(res.req.ip ?? '');
      const key = res.locals.apiActor?.kind === 'merchant' ? res.locals.apiActor.key : undefined;
      if (key) recordLookupFailure(ctx, key.id);
    }
  };
  const guarded = (handler: (req: Request, res: Response) => void) => (req: Request, res: Response, next: NextFunction) => {
    try {
      handler(req, res);
    } catch (err) {
      countFailures(res, err);
      next(err);
    }
  };

  r.get(
    '/vouchers/:code',
    ipLimit,
    auth,
    guarded((req, res) => {
      const shop = merchantActor(res);
      const found = voucherForShop(ctx.redemptions, shop.merchantId, String(req.params.code));
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
    }),
  );

  r.post('/redemptions', ipLimit, auth, async (req, res, next) => {
    try {
      const shop = merchantActor(res);
      const body = validate(redeemSchema, req.body);
      const result = await redeem(ctx.redemptions, { merchantId: shop.merchantId, actor: shop.actor, ...body });
      res.status(result.replayed ? 200 : 201).json({
        redemption: redemptionJson(result.redemption),
        voucher: { code: formatCode(result.voucher.code), balanceCents: result.voucher.balanceCents, status: result.voucher.status },
      });
    } catch (err) {
      countFailures(res, err);
      next(err);
    }
  });

  r.post('/redemptions/:id/void', auth, (req, res) => {
    const shop = merchantActor(res);
    const result = voidRedemption(ctx.redemptions, { merchantId: shop.merchantId, actor: shop.actor, redemptionId: String(req.params.id) });
    res.json({ redemption: redemptionJson(result.redemption), voucher: { code: formatCode(result.voucher.code), balanceCents: result.voucher.balanceCents, status: result.voucher.status } });
  });

  r.get('/redemptions', auth, (req, res) => {
    const shop = merchantActor(res);
    const q = validate(listRedemptionsSchema, req.query);
    // Whole days are Paris days: ?from=2026-11-23&to=2026-11-23 is that one day.
    const from = q.from && (q.from.length === 10 ? new Date(endOfParisDay(addDays(q.from, -1)).getTime() + 1).toISOString() : new Date(q.from).toISOString());
    const to = q.to && (q.to.length === 10 ? new Date(endOfParisDay(q.to).getTime() + 1).toISOString() : new Date(q.to).toISOString());
    const rows = listShopRedemptions(ctx.database.db, shop.merchantId, { from, to, status: q.status });
    res.json({ redemptions: rows.map(({ r: x, code }) => ({ ...redemptionJson(x), code: formatCode(code) })) });
  });

  return r;
}
