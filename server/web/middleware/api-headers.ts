import cookieParser from 'cookie-parser';
import type { RequestHandler } from 'express';

/** JSON answers need no CSP; they must not be sniffed, framed or leak a referrer. */
export const apiHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
};

const parseCookies = cookieParser();
/** Cookies matter only to session callers (our till page); key holders skip the parsing. */
export const cookiesUnlessBearer: RequestHandler = (req, res, next) => (req.headers.authorization ? next() : parseCookies(req, res, next));
