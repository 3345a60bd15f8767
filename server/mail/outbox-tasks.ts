import type { Tx } from '../../db/client';
import { runSync, type Step } from '../../db/unit-of-work';
import { PASSWORD_RESET_REQUEST, processResetRequestSteps, type ResetTaskStores } from '../domain/merchants/password-reset';
import { sqliteShopAccountStore } from '../domain/merchants/shop-accounts-store';
import { sqliteRateLimitStore } from '../domain/rate-limits/rate-limit-store';
import { GIFT_KIND } from '../domain/gifts/gifts-service';
import { afterGiftSent } from './gift-messages';
import type { OutboxMessage } from './outbox-repository';

/** What outbox tasks read and write, in the unit of work that marks the task done (either backend). */
export type OutboxTaskStores = ResetTaskStores;

/**
 * Outbox rows that are work to do later rather than mail to send: a request that must
 * answer before doing anything specific to its data (a password reset must not reveal,
 * by its timing, whether the account exists) leaves a task here; the worker runs it in
 * a unit of work, and it may queue real mail. Written once as Steps over OutboxTaskStores:
 * outbox-store.ts runs them on SQLite, outbox-store-pg.ts on PostgreSQL.
 */
const TASKS: Record<string, (stores: OutboxTaskStores, payload: never, now: Date) => Step<void>> = {
  [PASSWORD_RESET_REQUEST]: processResetRequestSteps,
};

export const isOutboxTask = (kind: string): boolean => Object.hasOwn(TASKS, kind);

export function outboxTaskSteps(stores: OutboxTaskStores, msg: OutboxMessage, now: Date): Step<void> {
  return TASKS[msg.kind]!(stores, JSON.parse(msg.payload) as never, now);
}

export function runOutboxTask(tx: Tx, msg: OutboxMessage, now: Date): void {
  runSync(outboxTaskSteps({ accounts: sqliteShopAccountStore(tx), limits: sqliteRateLimitStore(tx) }, msg, now));
}

/**
 * What a sent message leads to, written in the transaction that marks it sent: a gift's
 * buyer is told it went out (once, since a message is marked sent once).
 */
const AFTER_SENT: Record<string, (tx: Tx, msg: OutboxMessage, now: Date) => void> = {
  [GIFT_KIND]: afterGiftSent,
};

export function afterSent(tx: Tx, msg: OutboxMessage, now: Date): void {
  if (Object.hasOwn(AFTER_SENT, msg.kind)) AFTER_SENT[msg.kind]!(tx, msg, now);
}

/**
 * The kinds whose after-sent writes exist on SQLite only (gift mails: their renderers read
 * SQLite too): the PostgreSQL store leaves them pending, unclaimed, until they are ported.
 */
export const SQLITE_ONLY_KINDS: readonly string[] = Object.keys(AFTER_SENT);

/** Whether marking this kind sent has more to write (a store that cannot write it must refuse). */
export const hasAfterSent = (kind: string): boolean => Object.hasOwn(AFTER_SENT, kind);
