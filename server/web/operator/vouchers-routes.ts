import { Router, type Request, type Response } from 'express';
import { adjustVoucherOn, blockVoucherOn, BLOCK_REASONS, findSupportVoucher, MAX_NOTE, reissueVoucherOn, unblockVoucherOn, type BlockReason } from '../../domain/vouchers/support-service';
import type { Voucher } from '../../domain/vouchers/voucher';
import { AppError } from '../../lib/errors';
import { parseEuroAmount } from '../../lib/money';
import { voucherDetailProgram } from '../../domain/vouchers/voucher-detail-read';
import { readOn } from '../backend-units';
import type { AppContext } from '../context';
import { operatorPage, requireOperator } from './session';
import { findVoucherByCodeOrId, voucherDetailView, voucherListView, voucherSearchProgram, voucherSearchSchema, type VoucherForms } from './vouchers-view';

const field = (body: unknown, name: string): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

/** Voucher support: search, detail with history, block / unblock, reissue, adjust (the actions on either backend). */
export function operatorVoucherRoutes(ctx: AppContext): Router {
  const r = Router();
  const me = (res: Response) => res.locals.operatorUser!;
  const actor = (res: Response) => `operator:${me(res).id}`;
  // The actions and the pages run on the app's backend (PostgreSQL when ctx.pg is set).
  const deps = { database: ctx.database, pg: ctx.pg, clock: ctx.clock };
  const voucherOf = (req: Request): Voucher => {
    const v = findVoucherByCodeOrId(ctx.database, String(req.params.code));
    if (!v) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
    return v;
  };
  /** The voucher an action names, on the app's backend (SQLite: the page's own look-up, outside any transaction). */
  const target = async (req: Request): Promise<Voucher> => {
    if (!ctx.pg) return voucherOf(req);
    const v = await findSupportVoucher(deps, String(req.params.code));
    if (!v) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
    return v;
  };
  /** The voucher's page (its reads on one snapshot), also re-rendered with a refused form's values and message. */
  const detail = async (req: Request, res: Response, status = 200, forms: VoucherForms = {}) => {
    const found = await readOn(ctx, voucherDetailProgram(String(req.params.code)));
    if (!found) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
    const view = voucherDetailView(found, me(res), req.query, res.locals.t, res.locals.locale, ctx.clock.now(), forms);
    res.status(status).render('operator/voucher', { title: res.locals.t('operator.vouchers.detail_title', { code: view.voucher.formatted }), ...operatorPage(res, 'vouchers'), ...view });
  };
  /** A refusal the operator can act on (4xx) re-renders the page with its message; anything else is a real error. */
  const refused = (err: unknown, req: Request, res: Response, forms: VoucherForms = {}) => {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    return detail(req, res, err.status, { ...forms, alert: res.locals.t(err.messageKey, err.params) });
  };
  const back = (res: Response, code: string, done: string) => res.redirect(303, `/operateur/bons/${code}?done=${done}`);

  r.get('/operateur/bons', requireOperator('vouchers.read'), async (req, res) => {
    const { q } = voucherSearchSchema.parse(req.query);
    // A complete code goes straight to its page: that is what support types most.
    const found = await readOn(ctx, (dialect) => voucherSearchProgram(dialect, q));
    if (found.exactCode) return res.redirect(303, `/operateur/bons/${found.exactCode}`);
    res.render('operator/vouchers', { title: res.locals.t('operator.vouchers.title'), ...operatorPage(res, 'vouchers'), ...voucherListView(found.rows, q, res.locals.t, res.locals.locale, ctx.clock.now()) });
  });

  r.get('/operateur/bons/:code', requireOperator('vouchers.read'), (req, res) => detail(req, res));

  r.post('/operateur/bons/:code/bloquer', requireOperator('vouchers.manage'), async (req, res) => {
    const v = await target(req);
    const values = { reason: field(req.body, 'reason'), note: field(req.body, 'note').slice(0, MAX_NOTE) };
    const errors: Record<string, string> = {};
    if (!(BLOCK_REASONS as readonly string[]).includes(values.reason)) errors.reason = 'operator.vouchers.errors.block_reason';
    else if (values.reason === 'other' && !values.note.trim()) errors.note = 'operator.vouchers.errors.note_required';
    if (Object.keys(errors).length) return detail(req, res, 422, { block: { values, errors }, alert: res.locals.t('operator.vouchers.errors.form') });
    try {
      await blockVoucherOn(deps, { voucherId: v.id, actor: actor(res), reason: values.reason as BlockReason, note: values.note });
      ctx.logger.info({ voucherId: v.id, operatorId: me(res).id }, 'voucher blocked by operator');
      back(res, v.code, 'blocked');
    } catch (err) {
      return refused(err, req, res, { block: { values, errors: {} } });
    }
  });

  r.post('/operateur/bons/:code/debloquer', requireOperator('vouchers.manage'), async (req, res) => {
    const v = await target(req);
    try {
      await unblockVoucherOn(deps, { voucherId: v.id, actor: actor(res), note: field(req.body, 'note').slice(0, MAX_NOTE) });
      ctx.logger.info({ voucherId: v.id, operatorId: me(res).id }, 'voucher unblocked by operator');
      back(res, v.code, 'unblocked');
    } catch (err) {
      return refused(err, req, res);
    }
  });

  r.post('/operateur/bons/:code/reemettre', requireOperator('vouchers.manage'), async (req, res) => {
    const v = await target(req);
    try {
      const out = await reissueVoucherOn(deps, { voucherId: v.id, actor: actor(res), reason: field(req.body, 'reason').slice(0, MAX_NOTE) });
      ctx.logger.info({ voucherId: v.id, newVoucherId: out.reissued.id, operatorId: me(res).id }, 'voucher reissued by operator');
      back(res, out.reissued.code, 'reissued');
    } catch (err) {
      return refused(err, req, res);
    }
  });

  r.post('/operateur/bons/:code/ajuster', requireOperator('vouchers.manage'), async (req, res) => {
    const v = await target(req);
    const values = { amount: field(req.body, 'amount').slice(0, 30), sign: field(req.body, 'sign') === 'minus' ? 'minus' : 'plus', reason: field(req.body, 'reason').slice(0, MAX_NOTE) };
    const errors: Record<string, string> = {};
    const cents = parseEuroAmount(values.amount);
    if (!values.amount.trim()) errors.amount = 'operator.errors.amount_required';
    else if (cents === null || cents <= 0) errors.amount = 'operator.errors.amount';
    if (!values.reason.trim()) errors.reason = 'operator.vouchers.errors.reason_required';
    if (Object.keys(errors).length || cents === null) return detail(req, res, 422, { adjust: { values, errors }, alert: res.locals.t('operator.vouchers.errors.form') });
    try {
      await adjustVoucherOn(deps, { voucherId: v.id, actor: actor(res), deltaCents: values.sign === 'minus' ? -cents : cents, reason: values.reason });
      ctx.logger.info({ voucherId: v.id, operatorId: me(res).id, deltaCents: values.sign === 'minus' ? -cents : cents }, 'voucher balance adjusted by operator');
      back(res, v.code, 'adjusted');
    } catch (err) {
      return refused(err, req, res, { adjust: { values, errors: {} } });
    }
  });
  return r;
}
