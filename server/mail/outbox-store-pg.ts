import type pg from 'pg';
import { preparedOn } from '../../db/postgres';
import { awaited } from '../../db/unit-of-work';
import { pgShopAccountStore } from '../domain/merchants/shop-accounts-store-pg';
import { pgRateLimitStore } from '../domain/rate-limits/rate-limit-store-pg';
import type { OutboxMessage } from './outbox-repository';
import type { OutboxStore } from './outbox-store';
import { GIFT_KIND } from '../domain/gifts/gift-kinds';
import { pgAfterGiftSent } from '../domain/gifts/gift-store-pg';
import { hasAfterSent, outboxTaskSteps, SQLITE_ONLY_KINDS } from './outbox-tasks';

/** The after-sent writes (outbox-tasks.ts) ported to PostgreSQL, run in the unit that marks the message sent. */
const PG_AFTER_SENT: Record<string, (client: pg.ClientBase, msg: OutboxMessage, now: Date) => Promise<void>> = {
  [GIFT_KIND]: pgAfterGiftSent,
};
/** Kinds still waiting for their port: never claimed here. */
const NOT_HERE = SQLITE_ONLY_KINDS.filter((k) => !Object.hasOwn(PG_AFTER_SENT, k));

const COLUMNS = `id, kind, payload, recipient, status, attempts, next_attempt_at AS "nextAttemptAt", lease_until AS "leaseUntil",
  last_error AS "lastError", sent_at AS "sentAt", created_at AS "createdAt"`;

/**
 * The outbox on PostgreSQL. The claim picks its rows `FOR UPDATE SKIP LOCKED`: two workers
 * on two servers claiming at once take different rows instead of queueing behind each
 * other, and a row one of them claimed is 'sending' with a lease when the other looks — so
 * no message is handed to two workers while its lease holds. A lease that ran out (the
 * worker died between claim and send) makes the row due again: it is retried, at least
 * once, never lost.
 *
 * Tasks (a password-reset request) run here as on SQLite: the same Steps
 * (outbox-tasks.ts) over the PostgreSQL account and rate-limit stores, marked done in the
 * same unit of work (a task is work in the database: it is done if and only if it is marked).
 * Kinds with after-sent writes run their PostgreSQL writes (PG_AFTER_SENT) in the unit that
 * marks them sent; one whose writes are not ported would never be claimed here (it would
 * wait, pending) — claimed, it would be SENT before markSent refused its writes, and sent
 * again at each retry. markSent still refuses such a kind, should one be handed over anyway.
 */
export function pgOutboxStore(client: pg.ClientBase): OutboxStore {
  const q = preparedOn(client);
  const markSentStatement = async (msg: OutboxMessage, now: Date) =>
    void (await q('outbox_sent', `UPDATE outbox_messages SET status = 'sent', sent_at = $2, lease_until = NULL, last_error = NULL WHERE id = $1`, [msg.id, now.toISOString()]));
  const notHere = (what: string, kind: string) => new Error(`outbox on PostgreSQL: ${what} of kind ${kind} not available`);
  return {
    claimDue: (now, leaseMs, limit) =>
      awaited(async () => {
        const at = now.toISOString();
        const { rows } = await q<OutboxMessage>(
          'outbox_claim',
          `UPDATE outbox_messages SET status = 'sending', lease_until = $2, attempts = attempts + 1
           WHERE id IN (SELECT id FROM outbox_messages
                        WHERE ((status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until <= $1))
                          AND kind <> ALL($4::text[])
                        ORDER BY next_attempt_at LIMIT $3
                        FOR UPDATE SKIP LOCKED)
           RETURNING ${COLUMNS}`,
          [at, new Date(now.getTime() + leaseMs).toISOString(), limit, NOT_HERE],
        );
        // RETURNING gives no order: oldest due first, as picked (and as on SQLite).
        return rows.sort((a, b) => (a.nextAttemptAt < b.nextAttemptAt ? -1 : a.nextAttemptAt > b.nextAttemptAt ? 1 : 0));
      }),
    markSent: (msg, now) =>
      awaited(async () => {
        const after = Object.hasOwn(PG_AFTER_SENT, msg.kind) ? PG_AFTER_SENT[msg.kind]! : undefined;
        if (!after && hasAfterSent(msg.kind)) throw notHere('after-sent writes', msg.kind);
        await markSentStatement(msg, now);
        if (after) await after(client, msg, now);
      }),
    *runTask(msg, now) {
      yield* outboxTaskSteps({ accounts: pgShopAccountStore(client), limits: pgRateLimitStore(client) }, msg, now);
      yield* awaited(() => markSentStatement(msg, now));
    },
    markFailedAttempt: (msg, error, next) =>
      awaited(async () => {
        await q(
          'outbox_failed',
          `UPDATE outbox_messages SET status = CASE WHEN $4::text IS NULL THEN 'failed' ELSE 'pending' END,
             next_attempt_at = COALESCE($4::text, next_attempt_at), lease_until = NULL, last_error = $3
           WHERE id = $1 AND status = 'sending' AND lease_until = $2`,
          [msg.id, msg.leaseUntil ?? '', error.slice(0, 500), next ? next.toISOString() : null],
        );
      }),
  };
}
