import type { Database_ } from '../../db/client';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { renderMessage, type MessageContext } from './messages';
import { afterSent, isOutboxTask, runOutboxTask } from './outbox-tasks';
import { claimDueMessages, markFailedAttempt, markSent } from './outbox-repository';
import { PermanentMailError, type MailTransport } from './transport';

export interface OutboxDeps {
  database: Database_;
  clock: Clock;
  logger: Logger;
  transport: MailTransport;
  from: string;
  messages: MessageContext;
}

const LEASE_MS = 2 * 60_000;
const MAX_ATTEMPTS = 12;

/** Exponential backoff: 30 s, 1 min, 2 min … capped at 6 h; ~2 days in all before giving up. */
export function retryDelayMs(attempt: number): number {
  return Math.min(30_000 * 2 ** (attempt - 1), 6 * 3600_000);
}

/**
 * Sends what is due. Network I/O happens outside any transaction. Delivery is
 * at-least-once: a crash between the SMTP answer and markSent resends after the lease.
 */
export async function drainOutbox(deps: OutboxDeps, limit = 20): Promise<{ sent: number; failed: number }> {
  const batch = deps.database.transaction((tx) => claimDueMessages(tx, deps.clock.now(), LEASE_MS, limit));
  let sent = 0;
  let failed = 0;
  let tasks = 0;
  for (const msg of batch) {
    try {
      if (isOutboxTask(msg.kind)) {
        deps.database.transaction((tx) => {
          runOutboxTask(tx, msg, deps.clock.now());
          markSent(tx, msg.id, deps.clock.now());
        });
        tasks++;
        continue;
      }
      const mail = await renderMessage(deps.messages, msg);
      await deps.transport.send({ ...mail, from: deps.from });
      deps.database.transaction((tx) => {
        markSent(tx, msg.id, deps.clock.now());
        afterSent(tx, msg, deps.clock.now());
      });
      sent++;
    } catch (err) {
      failed++;
      const next = msg.attempts >= MAX_ATTEMPTS || err instanceof PermanentMailError ? null : new Date(deps.clock.now().getTime() + retryDelayMs(msg.attempts));
      deps.database.transaction((tx) => markFailedAttempt(tx, msg.id, msg.leaseUntil, err instanceof Error ? err.message : String(err), next));
      deps.logger.warn({ messageId: msg.id, kind: msg.kind, attempts: msg.attempts, err: err instanceof Error ? err.message : String(err) }, 'mail not sent, will retry');
    }
  }
  // Tasks may have queued mail (a reset link): send it in the same pass.
  if (tasks) {
    const more = await drainOutbox(deps, limit);
    return { sent: sent + more.sent, failed: failed + more.failed };
  }
  return { sent, failed };
}

/** Polls every few seconds; `kick()` asks for an early pass (after a payment, say). */
export function startOutboxWorker(deps: OutboxDeps, intervalMs = 5_000) {
  let running = false;
  let stopped = false;
  const pass = async () => {
    if (running || stopped) return;
    running = true;
    try {
      while (!stopped && (await drainOutbox(deps)).sent === 20);
    } catch (err) {
      deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'outbox pass failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return {
    kick: () => void setImmediate(pass),
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
