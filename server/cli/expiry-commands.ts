import type { Database_ } from '../../db/client';
import type { PgDatabase } from '../../db/postgres-pool';
import { Accounts } from '../domain/ledger/accounts';
import type { CampaignExpiry } from '../domain/vouchers/expiry-service';
import { expireVouchers } from '../domain/vouchers/expiry-service';
import { EXPIRY_REMINDER_DAYS, remindExpiringVouchers } from '../domain/vouchers/expiry-reminders';
import { remindExpiringVouchersOnPostgres } from '../domain/vouchers/expiry-reminders-pg';
import { systemClock } from '../lib/clock';
import { isCalendarDate, isInstant } from '../lib/calendar-date';
import { startOfParisDay } from '../lib/paris-time';

import { euros, usage as refuse, type Opts } from './command';

type Usage = (message: string) => never;

export const EXPIRY_USAGE = `  expire [--now ISO-8601]   expire vouchers past their validity; their value left goes to the campaign's breakage rule
  remind-expiring [--now ISO-8601]   queue one reminder mail per voucher expiring within ${EXPIRY_REMINDER_DAYS} days (sent by the server's outbox)`;

const NOW_HELP =
  '--now: an ISO-8601 instant with its offset (2027-11-24T00:00:01+01:00, 2027-11-23T23:00:01Z) or a date (2027-11-24 = the start of that day, Europe/Paris)';

/**
 * `--now` for an operator who wants to act "as of" another moment. A date alone means the
 * start of that day in Paris (so `--now 2027-11-24` expires what was valid through the
 * 23rd). A time must carry its offset: a bare local time would depend on the machine's zone.
 */
export function parseNow(value: string | boolean | undefined, usage: Usage = refuse): Date {
  if (value === undefined) return systemClock.now();
  if (typeof value !== 'string') usage(NOW_HELP);
  // The one strict reader: a real day in 2000–2100 (2027-02-30 is not rolled over to March).
  if (isCalendarDate(value)) return startOfParisDay(value);
  if (!isInstant(value)) usage(NOW_HELP);
  return new Date(value);
}

const thousands = (n: number) => n.toLocaleString('en-GB');

/** Where a campaign's breakage went, for the text output. */
function destination(c: CampaignExpiry): string {
  if (c.rule === 'operator' || c.fallback) return `${Accounts.breakageRevenue}${c.fallback ? ' (no shop redeemed anything in this campaign)' : ''}`;
  return c.rule === 'sponsor' ? Accounts.sponsorPayable(c.campaignId) : 'merchant_payable, pro rata to redemptions';
}

/**
 * `expire [--now ISO-8601]`: the JSON line is
 * {"expired":{"vouchers":N,"cents":C,"byCampaign":[{"campaign":slug,"vouchers","cents","rule","fallback"}]},"now":ISO}.
 * Progress of long runs goes to stderr, one line per chunk, so stdout stays the summary.
 */
export async function expireCommand(backend: Database_ | { postgres: PgDatabase }, opts: Opts) {
  const now = parseNow(opts.now);
  const r = await expireVouchers(
    'postgres' in backend ? { postgres: backend.postgres, clock: systemClock } : { database: backend, clock: systemClock },
    {
      now,
      onProgress: (p) => {
        if (p.estimated > 1_000) process.stderr.write(`expired ${thousands(p.expired)} / ~${thousands(p.estimated)}\n`);
      },
    },
  );
  const byCampaign = r.byCampaign.map((c) => ({ campaign: c.slug, vouchers: c.vouchers, cents: c.cents, rule: c.rule, fallback: c.fallback }));
  const text = r.vouchers
    ? [
        `expired ${thousands(r.vouchers)} voucher(s) as of ${r.now}, ${euros(r.cents)} left on them:`,
        ...r.byCampaign.map((c) => `  ${c.slug.padEnd(28)} ${String(c.vouchers).padStart(8)} voucher(s) ${euros(c.cents).padStart(14)}  rule ${c.rule} → ${destination(c)}`),
      ].join('\n')
    : `nothing to expire as of ${r.now}`;
  return { code: 0 as const, json: { expired: { vouchers: r.vouchers, cents: r.cents, byCampaign }, now: r.now }, text };
}

/**
 * `remind-expiring [--now ISO-8601]`: {"reminded":{"vouchers":N},"now":ISO}. On PostgreSQL the
 * scheduled job's chunks (expiry-reminders-pg.ts: picked SKIP LOCKED, stamped with their
 * outbox rows in one transaction), so the CLI and a server reminding at once send one mail each.
 */
export async function remindExpiringCommand(backend: Database_ | { postgres: PgDatabase }, opts: Opts) {
  const now = parseNow(opts.now);
  const r = 'postgres' in backend ? await remindExpiringVouchersOnPostgres(backend.postgres, now) : remindExpiringVouchers({ database: backend, clock: systemClock }, { now });
  return {
    code: 0 as const,
    json: { reminded: { vouchers: r.vouchers }, now: now.toISOString() },
    text: r.vouchers ? `${thousands(r.vouchers)} expiry reminder(s) queued; the server's outbox sends them` : `no voucher to remind as of ${now.toISOString()}`,
  };
}
