import { and, asc, eq, inArray, lte, or, sql } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import { sqliteOf, type Tx } from '../../db/client';
import { outboxMessages } from '../../db/schema/index';
import { newId } from '../lib/ids';

export type OutboxMessage = typeof outboxMessages.$inferSelect;

/**
 * Called inside the business transaction: the message exists if and only if the change does.
 * `sendAt` holds it back until then (a gift for a chosen day); returns the row's id.
 */
export function enqueueMessage(tx: Tx, msg: { kind: string; recipient: string; payload: object; sendAt?: Date }, now: Date): string {
  const id = newId();
  tx.insert(outboxMessages)
    .values({
      id,
      kind: msg.kind,
      recipient: msg.recipient,
      payload: JSON.stringify(msg.payload),
      status: 'pending',
      nextAttemptAt: (msg.sendAt ?? now).toISOString(),
      createdAt: now.toISOString(),
    })
    .run();
  return id;
}

/**
 * Changes the address and the due instant of a message no worker has claimed yet. False
 * when it is no longer pending (claimed in between): the caller must not pretend it changed.
 */
export function reschedulePending(tx: Tx, id: string, recipient: string, sendAt: Date): boolean {
  const done = tx
    .update(outboxMessages)
    .set({ recipient, nextAttemptAt: sendAt.toISOString(), attempts: 0, lastError: null })
    .where(and(eq(outboxMessages.id, id), eq(outboxMessages.status, 'pending')))
    .run();
  return done.changes === 1;
}

/**
 * Many messages at once (a large order's beneficiaries): one statement prepared per
 * connection, run per message — Drizzle builds its insert anew on every call (~0.1 ms).
 */
export function enqueueMessages(tx: Tx, list: readonly { kind: string; recipient: string; payload: object }[], now: Date): void {
  const sqlite = sqliteOf(tx);
  let insert = inserts.get(sqlite);
  if (!insert) {
    insert = sqlite.prepare(`INSERT INTO outbox_messages (id, kind, recipient, payload, status, attempts, next_attempt_at, created_at)
      VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)`);
    inserts.set(sqlite, insert);
  }
  const at = now.toISOString();
  for (const m of list) insert.run(newId(), m.kind, m.recipient, JSON.stringify(m.payload), at, at);
}
const inserts = new WeakMap<object, Statement>();

/**
 * Claims up to `limit` due messages by leasing them, in ONE statement: an UPDATE whose
 * WHERE picks the due rows (pending and due, or sending with an expired lease — a worker
 * crashed mid-send) and whose RETURNING hands back exactly the rows this call changed. Two
 * workers (two processes) never claim the same row, whether or not the caller opened a
 * transaction: the statement is atomic, and the due test is part of the UPDATE itself, so
 * a row another worker leased in between no longer matches.
 *
 * On PostgreSQL (outbox-store-pg.ts) the same claim picks its rows with `FOR UPDATE SKIP
 * LOCKED`, so concurrent workers take different rows instead of queueing behind each
 * other's row locks:
 *   UPDATE outbox_messages SET status = 'sending', lease_until = $2, attempts = attempts + 1
 *   WHERE id IN (SELECT id FROM outbox_messages
 *                WHERE (status = 'pending' AND next_attempt_at <= $1)
 *                   OR (status = 'sending' AND lease_until <= $1)
 *                ORDER BY next_attempt_at LIMIT $3
 *                FOR UPDATE SKIP LOCKED)
 *   RETURNING *
 * (SQLite has no row locks: its writers are serialised, so the subquery needs no clause.)
 */
export function claimDueMessages(tx: Tx, now: Date, leaseMs: number, limit: number): OutboxMessage[] {
  const at = now.toISOString();
  const due = or(
    and(eq(outboxMessages.status, 'pending'), lte(outboxMessages.nextAttemptAt, at)),
    and(eq(outboxMessages.status, 'sending'), lte(outboxMessages.leaseUntil, at)),
  );
  const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
  const picked = tx.select({ id: outboxMessages.id }).from(outboxMessages).where(due).orderBy(asc(outboxMessages.nextAttemptAt)).limit(limit);
  const claimed = tx
    .update(outboxMessages)
    .set({ status: 'sending', leaseUntil, attempts: sql`${outboxMessages.attempts} + 1` })
    .where(and(inArray(outboxMessages.id, picked), due))
    .returning()
    .all();
  // RETURNING gives no order: oldest due first, as picked.
  return claimed.sort((a, b) => (a.nextAttemptAt < b.nextAttemptAt ? -1 : a.nextAttemptAt > b.nextAttemptAt ? 1 : 0));
}

export function markSent(tx: Tx, id: string, now: Date): void {
  tx.update(outboxMessages).set({ status: 'sent', sentAt: now.toISOString(), leaseUntil: null, lastError: null }).where(eq(outboxMessages.id, id)).run();
}

/** Only while our lease holds: a worker whose lease ran out must not undo another's send. */
export function markFailedAttempt(tx: Tx, id: string, leaseUntil: string | null, error: string, nextAttemptAt: Date | null): void {
  tx.update(outboxMessages)
    .set(
      nextAttemptAt
        ? { status: 'pending', nextAttemptAt: nextAttemptAt.toISOString(), leaseUntil: null, lastError: error.slice(0, 500) }
        : { status: 'failed', leaseUntil: null, lastError: error.slice(0, 500) },
    )
    .where(and(eq(outboxMessages.id, id), eq(outboxMessages.status, 'sending'), eq(outboxMessages.leaseUntil, leaseUntil ?? '')))
    .run();
}
