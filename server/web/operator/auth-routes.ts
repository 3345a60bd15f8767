import { Router, type Request, type Response } from 'express';
import { signInOperator, signOutOperator } from '../../domain/operators/operator-users-service';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';
import { signInLimiter } from '../middleware/db-rate-limits';
import { localPath } from '../safe-redirect';
import { OPERATOR_HOME, OPERATOR_SESSION_COOKIE, OPERATOR_SIGN_IN, operatorCookieOptions } from './session';

/** After sign-in: back to the back-office page the user was going to, else its home. */
const afterSignIn = (p: unknown) => {
  const path = localPath(p, OPERATOR_HOME);
  return path === OPERATOR_HOME || path.startsWith(`${OPERATOR_HOME}/`) || path.startsWith(`${OPERATOR_HOME}?`) ? path : OPERATOR_HOME;
};

/** Sign-in and sign-out of operator staff (their own page, cookie and rate limit). */
export function operatorAuthRoutes(ctx: AppContext): Router {
  const r = Router();
  const deps = { database: ctx.database, pg: ctx.pg, clock: ctx.clock };
  // Guessing passwords: failures per address and per account, in the database, counted apart from the shops' form.
  const signInLimit = signInLimiter(ctx, 'operator');

  const page = (res: Response, status: number, extra: object) =>
    res.status(status).render('operator/sign-in', { title: res.locals.t('operator.sign_in.title'), noIndex: true, bodyClass: 'operator-area', ...extra });

  r.get(OPERATOR_SIGN_IN, (req, res) => {
    if (res.locals.operatorUser) return res.redirect(303, afterSignIn(req.query.next));
    page(res, 200, { next: afterSignIn(req.query.next), signedOut: req.query.out === '1' });
  });

  r.post(OPERATOR_SIGN_IN, async (req: Request, res: Response) => {
    const email = typeof req.body?.email === 'string' ? req.body.email.slice(0, 254) : '';
    const password = typeof req.body?.password === 'string' ? req.body.password.slice(0, 200) : '';
    const code = typeof req.body?.code === 'string' ? req.body.code.slice(0, 20) : '';
    const next = afterSignIn(req.body?.next);
    const attempt = await signInLimit.attempt(req, res, email);
    try {
      const { token } = await signInOperator(deps, email, password, code);
      await attempt.succeeded();
      // A session cookie left by someone else on this browser is ended, not kept alongside.
      await signOutOperator(deps, req.cookies?.[OPERATOR_SESSION_COOKIE]);
      res.cookie(OPERATOR_SESSION_COOKIE, token, operatorCookieOptions(ctx));
      res.redirect(303, next);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      page(res, err.status, { email, next, error: res.locals.t(err.messageKey), askCode: err.code === 'TOTP_REQUIRED' || err.code === 'INVALID_TOTP' });
    }
  });

  r.post('/operateur/deconnexion', async (req, res) => {
    await signOutOperator(deps, req.cookies?.[OPERATOR_SESSION_COOKIE]);
    res.clearCookie(OPERATOR_SESSION_COOKIE, { path: '/' });
    res.redirect(303, `${OPERATOR_SIGN_IN}?out=1`);
  });
  return r;
}
