import type { vouchers } from '../../../db/schema/index';
import { addDays, endOfParisDay, parisDate } from '../../lib/paris-time';

export type Voucher = typeof vouchers.$inferSelect;
export type VoucherStatus = Voucher['status'];

/** Valid until the end of the expiry day, Europe/Paris: issue day + validity days. */
export function expiryFor(issuedAt: Date, validityDays: number): Date {
  return endOfParisDay(addDays(parisDate(issuedAt), validityDays));
}

/**
 * The status a person should see now: an active voucher past its expiry is shown as
 * expired even before the expiry job has written its movement.
 */
export function effectiveStatus(v: Pick<Voucher, 'status' | 'expiresAt'>, now: Date): VoucherStatus {
  if (v.status === 'active' && new Date(v.expiresAt) < now) return 'expired';
  return v.status;
}
