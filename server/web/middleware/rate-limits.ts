export interface RateLimitSettings {
  /** Order creations per IP per 10 minutes (in the database: shared by every process). */
  ordersPer10Min: number;
  /** Orders per buyer email per hour, from any address: each order mails that address (in the database). */
  ordersPerEmailPerHour: number;
  /** Failed voucher lookups (unknown codes) per IP per 10 minutes: guessing protection (holder pages and POS API, in the database). */
  voucherMissesPer10Min: number;
  /** Failed sign-ins per IP per 15 minutes, and organisation-link requests per IP (in the database: shared by every process). */
  signInsPer15Min: number;
  /** Failed sign-ins per account (the email typed, known or not) per 15 minutes, from any address. */
  signInFailuresPerAccountPer15Min: number;
  /** Password-reset requests per IP per 15 minutes, every request counted (each may send a mail). */
  passwordResetsPer15Min: number;
}

export const defaultRateLimits: RateLimitSettings = { ordersPer10Min: 30, ordersPerEmailPerHour: 10, voucherMissesPer10Min: 30, signInsPer15Min: 10, signInFailuresPerAccountPer15Min: 10, passwordResetsPer15Min: 10 };

