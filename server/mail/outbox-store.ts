import type { Tx } from '../../db/client';
import { done, type Step } from '../../db/unit-of-work';
import { claimDueMessages, markFailedAttempt, markSent, type OutboxMessage } from './outbox-repository';
import { afterSent, runOutboxTask } from './outbox-tasks';

/**
 * What the outbox worker (outbox-worker.ts) needs from the database, as Steps: claiming due
 * messages under a lease (the claim's expiry: a worker that crashed mid-send leaves rows
 * another worker takes once it runs out), and settling each one. SQLite here, PostgreSQL in
 * outbox-store-pg.ts. Each call is its own unit of work; the network send happens between
 * them, outside any transaction.
 */
export interface OutboxStore {
  claimDue(now: Date, leaseMs: number, limit: number): Step<OutboxMessage[]>;
  /** Marks the message sent together with what that leads to (a gift's buyer told). */
  markSent(msg: OutboxMessage, now: Date): Step<void>;
  /** Runs an outbox task (database work queued as a row) and marks it done. */
  runTask(msg: OutboxMessage, now: Date): Step<void>;
  /** Puts it back for `nextAttemptAt` (or fails it for good: null), only while our claim holds. */
  markFailedAttempt(msg: OutboxMessage, error: string, nextAttemptAt: Date | null): Step<void>;
}

export function sqliteOutboxStore(tx: Tx): OutboxStore {
  return {
    claimDue: (now, leaseMs, limit) => done(claimDueMessages(tx, now, leaseMs, limit)),
    // Written when the step runs, as every step (db/unit-of-work.ts); no query to wait for.
    // eslint-disable-next-line require-yield
    *markSent(msg, now) {
      markSent(tx, msg.id, now);
      afterSent(tx, msg, now);
    },
    // eslint-disable-next-line require-yield
    *runTask(msg, now) {
      runOutboxTask(tx, msg, now);
      markSent(tx, msg.id, now);
    },
    markFailedAttempt: (msg, error, next) => done(markFailedAttempt(tx, msg.id, msg.leaseUntil, error, next)),
  };
}
