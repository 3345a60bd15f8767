import type { Database_ } from '../../db/client';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { remindExpiringVouchers } from '../domain/vouchers/expiry-reminders';
import { expireVouchers } from '../domain/vouchers/expiry-service';
import { nextDailyRun } from './daily-schedule';
import { runRecurring } from './recurring';

/**
 * Voucher expiry and expiry reminders, once when the server starts (catching up on days it
 * was down) and then every day at 02:00 Europe/Paris — after midnight, so the vouchers
 * whose last day just ended expire, and at an hour when the till is quiet. Both steps are
 * idempotent, so a run that overlaps `cli expire` or another server process is harmless.
 * Errors are logged and the next day's run still happens: the server never crashes here.
 */
export interface DailyExpiryDeps {
  database: Database_;
  clock: Clock;
  logger: Logger;
  /** Asks the outbox worker to send the reminders now rather than at its next poll. */
  kickOutbox?: () => void;
}

export const DAILY_RUN_HOUR = 2;

export async function runDailyExpiry(deps: DailyExpiryDeps): Promise<void> {
  const started = Date.now();
  try {
    const expired = await expireVouchers(deps);
    if (expired.vouchers) deps.logger.info({ vouchers: expired.vouchers, cents: expired.cents, byCampaign: expired.byCampaign.map((c) => ({ campaign: c.slug, vouchers: c.vouchers, cents: c.cents, rule: c.rule })) }, 'vouchers expired');
  } catch (err) {
    deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'voucher expiry failed');
  }
  try {
    const reminded = remindExpiringVouchers(deps);
    if (reminded.vouchers) {
      deps.logger.info({ vouchers: reminded.vouchers }, 'expiry reminders queued');
      deps.kickOutbox?.();
    }
  } catch (err) {
    deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'expiry reminders failed');
  }
  deps.logger.debug({ ms: Date.now() - started }, 'daily expiry done');
}

/**
 * Starts the schedule; `stop()` cancels what has not started. The catch-up run waits for
 * the next turn of the event loop, so start-up (the server starting to listen) is not held
 * up by it. The timers never keep the process alive.
 */
export function startDailyExpiry(deps: DailyExpiryDeps): { stop: () => void } {
  let running: Promise<void> | null = null;
  const run = () => {
    // A run still going (a very large expiry) is not started twice in one process.
    running ??= runDailyExpiry(deps).finally(() => {
      running = null;
    });
    return running;
  };
  const atStart = setImmediate(() => void run()).unref();
  const daily = runRecurring(deps.clock, (after) => nextDailyRun(after, DAILY_RUN_HOUR), run);
  return {
    stop: () => {
      clearImmediate(atStart);
      daily.stop();
    },
  };
}
