import { Router, type Response } from 'express';
import QRCode from 'qrcode';
import { disableTotp, enableTotp } from '../../domain/operators/operator-totp-service';
import { newTotpSecret, otpauthUri } from '../../domain/operators/totp';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';
import { operatorPage, requireOperator } from './session';

const SECRET = /^[A-Z2-7]{16,64}$/;
const DONE = ['enabled', 'disabled'] as const;

/**
 * « Sécurité »: each staff member turns their own second factor (TOTP) on or off. The
 * secret offered is new on every visit and is only kept once a code from the app proves
 * the app holds it; the QR code is drawn inline (no image request carries the secret).
 */
export function operatorSecurityRoutes(ctx: AppContext): Router {
  const r = Router();
  const deps = { database: ctx.database, pg: ctx.pg, clock: ctx.clock };
  const self = requireOperator('account.self');

  const render = async (res: Response, status: number, extra: { secret?: string; error?: string; done?: string } = {}) => {
    // The row operatorArea read for this request: nothing has changed it since (a failed
    // enable or disable writes nothing; a successful one redirects).
    const user = res.locals.operatorUser!;
    const secret = extra.secret ?? newTotpSecret();
    const uri = otpauthUri(secret, user.email, ctx.config.operator.legalName);
    res.status(status).render('operator/security', {
      title: res.locals.t('operator.security.title'),
      ...operatorPage(res, 'security'),
      enabled: !!user.totpSecret,
      secret,
      secretGroups: secret.match(/.{1,4}/g)!.join(' '),
      uri,
      qrSvg: user.totpSecret ? null : await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 220 }),
      error: extra.error,
      done: extra.done ? res.locals.t(`operator.security.done_${extra.done}`) : null,
    });
  };
  const refusal = (err: unknown, res: Response) => {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    return res.locals.t(err.messageKey);
  };

  r.get('/operateur/securite', self, (req, res) => render(res, 200, { done: (DONE as readonly unknown[]).includes(req.query.done) ? String(req.query.done) : undefined }));

  r.post('/operateur/securite/totp', self, async (req, res) => {
    const secret = typeof req.body?.secret === 'string' ? req.body.secret.trim().toUpperCase() : '';
    const code = typeof req.body?.code === 'string' ? req.body.code.slice(0, 20) : '';
    if (!SECRET.test(secret)) return render(res, 422, { error: res.locals.t('operator.errors.totp_invalid') });
    try {
      await enableTotp(deps, res.locals.operatorUser!, secret, code);
    } catch (err) {
      return render(res, (err as AppError).status ?? 422, { secret, error: refusal(err, res) });
    }
    ctx.logger.info({ operatorId: res.locals.operatorUser!.id }, 'operator enabled TOTP');
    res.redirect(303, '/operateur/securite?done=enabled');
  });

  r.post('/operateur/securite/totp/desactiver', self, async (req, res) => {
    const code = typeof req.body?.code === 'string' ? req.body.code.slice(0, 20) : '';
    try {
      await disableTotp(deps, res.locals.operatorUser!, code);
    } catch (err) {
      return render(res, 422, { error: refusal(err, res) });
    }
    ctx.logger.info({ operatorId: res.locals.operatorUser!.id }, 'operator disabled TOTP');
    res.redirect(303, '/operateur/securite?done=disabled');
  });
  return r;
}
