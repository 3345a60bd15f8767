import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { checkPasswordToken, setPasswordWithToken, signIn, signOut } from '../../domain/merchants/merchant-users-service';
import { requestPasswordReset } from '../../domain/merchants/password-reset';
import { mailFormLimiter, signInLimiter } from '../middleware/db-rate-limits';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';
import { localPath } from '../safe-redirect';
import { SESSION_COOKIE } from '../middleware/auth';

/** After sign-in: back where the user was going, else the till. */
const afterSignIn = (p: unknown) => localPath(p, '/caisse');

/** Sign-in, sign-out and password links for shop users. */
export function merchantAuthRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(['/connexion', '/mot-de-passe', '/deconnexion'], ctx.withCsrf);
  // Guessing passwords: failures per address and per account (successes not counted); reset
  // requests per address, every one counted. Both in the database, shared by all processes.
  const signInLimit = signInLimiter(ctx, 'shop');
  const resetLimit = mailFormLimiter(ctx, 'shop-reset-address', ctx.rateLimits.passwordResetsPer15Min);
  const cookieOpts = { httpOnly: true, sameSite: 'lax' as const, secure: ctx.secureCookies, path: '/', maxAge: 14 * 86400_000 };

  const signInPage = (res: Response, status = 200, extra: object = {}) =>
    res.status(status).render('merchant/sign-in', { title: res.locals.t('auth.sign_in_title'), noIndex: true, ...extra });

  r.get('/connexion', (req, res) => {
    if (res.locals.shopUser) return res.redirect(303, afterSignIn(req.query.next));
    signInPage(res, 200, { next: afterSignIn(req.query.next), reset: req.query.reset === '1' });
  });

  r.post('/connexion', async (req: Request, res: Response) => {
    const email = typeof req.body?.email === 'string' ? req.body.email.slice(0, 254) : '';
    const password = typeof req.body?.password === 'string' ? req.body.password.slice(0, 200) : '';
    const next = afterSignIn(req.body?.next);
    const attempt = await signInLimit.attempt(req, res, email);
    try {
      const { token } = await signIn(ctx.users, email, password);
      await attempt.succeeded();
      res.cookie(SESSION_COOKIE, token, cookieOpts);
      res.redirect(303, next);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      signInPage(res, err.status, { email, next, error: res.locals.t(err.messageKey) });
    }
  });

  r.post('/deconnexion', async (req, res) => {
    await signOut(ctx.users, req.cookies?.[SESSION_COOKIE]);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/connexion');
  });

  r.get('/mot-de-passe/oublie', (_req, res) => res.render('merchant/forgot', { title: res.locals.t('auth.forgot_title'), noIndex: true }));

  r.post('/mot-de-passe/oublie', resetLimit, async (req, res) => {
    const email = z.email().safeParse(String(req.body?.email ?? '').trim().toLowerCase());
    if (!email.success) return res.status(422).render('merchant/forgot', { title: res.locals.t('auth.forgot_title'), noIndex: true, emailError: res.locals.t('errors.email'), email: String(req.body?.email ?? '').slice(0, 254) });
    // Only a task is queued here (the same work for any address); the worker does the rest.
    await requestPasswordReset(ctx.users, email.data, res.locals.locale);
    ctx.kickOutbox();
    // The same answer whether or not the address has an account.
    res.render('merchant/forgot', { title: res.locals.t('auth.forgot_title'), noIndex: true, sent: true });
  });

  r.get('/mot-de-passe/:token', async (req, res) => {
    const { user, purpose } = await checkPasswordToken(ctx.users, req.params.token);
    res.render('merchant/set-password', { title: res.locals.t(`auth.${purpose}_title`), noIndex: true, token: req.params.token, email: user.email, invite: purpose === 'invite' });
  });

  r.post('/mot-de-passe/:token', async (req, res) => {
    const token = String(req.params.token);
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const confirm = typeof req.body?.confirm === 'string' ? req.body.confirm : '';
    const { user, purpose } = await checkPasswordToken(ctx.users, token);
    const render = (status: number, errors: { passwordError?: string; confirmError?: string }) =>
      res.status(status).render('merchant/set-password', { title: res.locals.t(`auth.${purpose}_title`), noIndex: true, token, email: user.email, invite: purpose === 'invite', ...errors });
    if (password !== confirm) return render(422, { confirmError: res.locals.t('errors.passwords_differ') });
    try {
      await setPasswordWithToken(ctx.users, token, password);
    } catch (err) {
      if (err instanceof AppError && err.code === 'WEAK_PASSWORD') return render(422, { passwordError: res.locals.t(err.messageKey) });
      throw err;
    }
    res.redirect(303, '/connexion?reset=1');
  });
  return r;
}
