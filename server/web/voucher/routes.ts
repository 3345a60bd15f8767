import { Router, type Response } from 'express';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { Step } from '../../../db/unit-of-work';
import { directoryUrl, VOUCHER_PDF_SHOPS } from '../../domain/campaigns/voucher-shops-repository';
import { sqliteHolderStore, type HolderStore } from '../../domain/vouchers/holder-store';
import { pgHolderStore } from '../../domain/vouchers/holder-store-pg';
import type { Voucher } from '../../domain/vouchers/voucher';
import { parseCode } from '../../lib/codes';
import { AppError } from '../../lib/errors';
import { streamVoucherPdf } from '../../pdf/voucher-pdf';
import type { AppContext } from '../context';
import { lookupMissLimiter } from '../middleware/db-rate-limits';
import { formatDate, merchantsView, voucherView } from '../presenters';
import { storeLookups } from '../backend-units';

/** `?format=a6`: the card; absent: the A4 document. A repeated or unknown value is refused. */
const pdfQuerySchema = z.object({ format: z.enum(['a4', 'a6']).optional() });

/**
 * The holder's pages. The code is the bearer secret: an unknown, malformed or mistyped
 * code gets the same plain 404 (nothing to learn from it), and misses are rate-limited.
 */
export function voucherRoutes(ctx: AppContext): Router {
  const r = Router();
  const reads = storeLookups(ctx, sqliteHolderStore, pgHolderStore);
  // Misses per address per 10 minutes, in the database (shared by every process).
  r.use('/v', lookupMissLimiter(ctx, 'voucher-miss-address', ctx.rateLimits.voucherMissesPer10Min, 10 * 60_000));

  function* load(store: HolderStore, raw: string): Step<Voucher> {
    const parsed = parseCode(raw);
    const voucher = parsed.ok ? yield* store.voucherByCode(parsed.code) : undefined;
    if (!voucher) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
    return voucher;
  }
  const noStore = (res: Response) => res.set('Cache-Control', 'no-store');

  r.get('/v/:code.pdf', async (req, res) => {
    const query = pdfQuerySchema.safeParse(req.query);
    if (!query.success) throw new AppError('VOUCHER_PDF_FORMAT', 400, 'errors.voucher_pdf_format');
    const format = query.data.format ?? 'a4';
    const { v, campaign, shops, brand } = await reads(function* (s) {
      const v = yield* load(s, req.params.code);
      const campaign = (yield* s.campaignById(v.campaignId))!;
      const shops = { ...(yield* s.voucherShops(campaign.id, VOUCHER_PDF_SHOPS)), directoryUrl: directoryUrl(ctx.baseUrl, campaign) };
      return { v, campaign, shops, brand: yield* s.pdfBrand() };
    });
    const name = `bon-${v.code.slice(0, 4)}${format === 'a6' ? '-a6' : ''}.pdf`;
    noStore(res).type('application/pdf').set('Content-Disposition', `inline; filename="${name}"`);
    await streamVoucherPdf(res, [v], {
      baseUrl: ctx.baseUrl, locale: res.locals.locale, campaignName: campaign.name, operatorName: campaign.operatorName, demo: ctx.demo,
      brand, printedAt: ctx.clock.now(), shops, format,
    });
  });

  r.get('/v/:code/qr.svg', async (req, res) => {
    const v = await reads((s) => load(s, req.params.code));
    const svg = await QRCode.toString(`${ctx.baseUrl}/v/${v.code}`, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
    noStore(res).type('image/svg+xml').send(svg);
  });

  r.get('/v/:code', async (req, res) => {
    const { v, campaign, shops, history } = await reads(function* (s) {
      const v = yield* load(s, req.params.code);
      const campaign = (yield* s.campaignById(v.campaignId))!;
      return { v, campaign, shops: yield* s.campaignShops(campaign.id), history: yield* s.history(v.id) };
    });
    const view = voucherView(v, res.locals.locale, ctx.clock.now(), ctx.baseUrl);
    noStore(res).render('voucher/voucher', {
      title: res.locals.t('voucher.title', { campaign: campaign.name }),
      voucher: view,
      campaign,
      merchants: merchantsView(shops),
      history: history.map((h) => ({ ...h, date: formatDate(h.createdAt, res.locals.locale), voided: h.status === 'voided' })),
      noIndex: true,
    });
  });

  return r;
}
