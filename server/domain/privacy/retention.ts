/**
 * When a campaign's personal data are due for erasure: `months` after the campaign is over,
 * i.e. after the later of its closing and the last day any of its vouchers can be spent (a
 * holder who lost a code is helped by their order until then). Pure.
 */
export interface RetentionClock {
  closedAt: string;
  lastExpiry: string | null;
  retentionMonths: number;
}

export const MIN_RETENTION_MONTHS = 1;
export const MAX_RETENTION_MONTHS = 120;

/** Calendar months added in UTC, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(instant: Date, months: number): Date {
  const d = new Date(instant.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

export function retentionStart(c: Pick<RetentionClock, 'closedAt' | 'lastExpiry'>): Date {
  const closed = new Date(c.closedAt);
  const expiry = c.lastExpiry ? new Date(c.lastExpiry) : closed;
  return expiry.getTime() > closed.getTime() ? expiry : closed;
}

export function retentionDueAt(c: RetentionClock): Date {
  return addMonths(retentionStart(c), c.retentionMonths);
}

export const isRetentionDue = (c: RetentionClock, now: Date): boolean => retentionDueAt(c).getTime() <= now.getTime();
