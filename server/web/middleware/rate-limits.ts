import { rateLimit } from 'express-rate-limit';
import { AppError } from '../../lib/errors';

export interface RateLimitSettings {
  /** Order creations per IP per 10 minutes. */
  ordersPer10Min: number;
  /** Failed voucher lookups (unknown codes) per IP per 10 minutes: guessing protection (holder pages: in the database; POS API: per process). */
  voucherMissesPer10Min: number;
  /** Failed sign-ins per IP per 15 minutes, and organisation-link requests per IP (in the database: shared by every process). */
  signInsPer15Min: number;
  /** Failed sign-ins per account (the email typed, known or not) per 15 minutes, from any address. */
  signInFailuresPerAccountPer15Min: number;
  /** Password-reset requests per IP per 15 minutes, every request counted (each may send a mail). */
  passwordResetsPer15Min: number;
}

export const defaultRateLimits: RateLimitSettings = { ordersPer10Min: 30, voucherMissesPer10Min: 30, signInsPer15Min: 10, signInFailuresPerAccountPer15Min: 10, passwordResetsPer15Min: 10 };

const limited = (_req: unknown, _res: unknown, next: (err: unknown) => void) => next(new AppError('RATE_LIMITED', 429, 'errors.rate_limited'));

export function orderCreationLimit(s: RateLimitSettings) {
  return rateLimit({ windowMs: 10 * 60_000, limit: s.ordersPer10Min, standardHeaders: 'draft-8', legacyHeaders: false, handler: limited });
}
