import { REFUND_HOLD_PREFIX } from './voucher-transitions';

/**
 * Which vouchers expire (expiry-service.ts), as SQL both backends read the same way; `$at`
 * stands for the run's instant (each store puts its own placeholder). A voucher held by a
 * refund in progress is the refund's (voucher-transitions.ts): if the refund fails and the
 * voucher is released, the next run expires it.
 */
export const expirable = (at: string): string =>
  `status IN ('active', 'blocked', 'expired') AND balance_cents > 0 AND expires_at < ${at} AND (block_reason IS NULL OR block_reason NOT LIKE '${REFUND_HOLD_PREFIX}%')`;
