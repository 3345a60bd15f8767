import type { Database_ } from '../../db/client';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { sqliteUnits, type Units } from '../../db/store-units';
import { renderMessage, type MessageContext } from './messages';
import { isOutboxTask } from './outbox-tasks';
import type { OutboxMessage } from './outbox-repository';
import { sqliteOutboxStore, type OutboxStore } from './outbox-store';
import { PermanentMailError, type MailTransport, type OutgoingMail } from './transport';

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
 * The worker's loop on any backend: claims through `outbox` (a runner of OutboxStore units,
 * db/store-units.ts), renders and sends each mail outside any transaction, then settles it.
 */
export interface OutboxLoop {
  outbox: Units<OutboxStore>;
  clock: Clock;
  logger: Logger;
  transport: MailTransport;
  from: string;
  render: (msg: OutboxMessage) => Promise<OutgoingMail>;
}

const sqliteOutbox = new WeakMap<Database_, Units<OutboxStore>>();
/** The SQLite assembly: the app's database, messages rendered from it. */
export function sqliteOutboxLoop(deps: OutboxDeps): OutboxLoop {
  let outbox = sqliteOutbox.get(deps.database);
  if (!outbox) sqliteOutbox.set(deps.database, (outbox = sqliteUnits(deps.database, sqliteOutboxStore)));
  return { outbox, clock: deps.clock, logger: deps.logger, transport: deps.transport, from: deps.from, render: (msg) => renderMessage(deps.messages, msg) };
}

/**
 * Sends what is due. Network I/O happens outside any transaction. Delivery is
 * at-least-once: a crash between the SMTP answer and markSent resends after the lease.
 */
export function drainOutbox(deps: OutboxDeps, limit = 20): Promise<{ sent: number; failed: number }> {
  return drainWith(sqliteOutboxLoop(deps), limit);
}

export async function drainWith(loop: OutboxLoop, limit = 20): Promise<{ sent: number; failed: number }> {
  const batch = await loop.outbox((store) => store.claimDue(loop.clock.now(), LEASE_MS, limit));
  let sent = 0;
  let failed = 0;
  let tasks = 0;
  for (const msg of batch) {
    try {
      if (isOutboxTask(msg.kind)) {
        await loop.outbox((store) => store.runTask(msg, loop.clock.now()));
        tasks++;
        continue;
      }
      const mail = await loop.render(msg);
      await loop.transport.send({ ...mail, from: loop.from });
      await loop.outbox((store) => store.markSent(msg, loop.clock.now()));
      sent++;
    } catch (err) {
      failed++;
      const next = msg.attempts >= MAX_ATTEMPTS || err instanceof PermanentMailError ? null : new Date(loop.clock.now().getTime() + retryDelayMs(msg.attempts));
      await loop.outbox((store) => store.markFailedAttempt(msg, err instanceof Error ? err.message : String(err), next));
      loop.logger.warn({ messageId: msg.id, kind: msg.kind, attempts: msg.attempts, err: err instanceof Error ? err.message : String(err) }, 'mail not sent, will retry');
    }
  }
  // Tasks may have queued mail (a reset link): send it in the same pass.
  if (tasks) {
    const more = await drainWith(loop, limit);
    return { sent: sent + more.sent, failed: failed + more.failed };
  }
  return { sent, failed };
}

/** Polls every few seconds; `kick()` asks for an early pass (after a payment, say). */
export function startOutboxWorker(deps: OutboxDeps | OutboxLoop, intervalMs = 5_000) {
  const loop = 'outbox' in deps ? deps : sqliteOutboxLoop(deps);
  let running = false;
  let stopped = false;
  const pass = async () => {
    if (running || stopped) return;
    running = true;
    try {
      while (!stopped && (await drainWith(loop)).sent === 20);
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
