import type { Tx } from '../../db/client';
import { PASSWORD_RESET_REQUEST, processResetRequest } from '../domain/merchants/password-reset';
import { GIFT_KIND } from '../domain/gifts/gifts-service';
import { afterGiftSent } from './gift-messages';
import type { OutboxMessage } from './outbox-repository';

/**
 * Outbox rows that are work to do later rather than mail to send: a request that must
 * answer before doing anything specific to its data (a password reset must not reveal,
 * by its timing, whether the account exists) leaves a task here; the worker runs it in
 * a transaction, and it may queue real mail.
 */
const TASKS: Record<string, (tx: Tx, payload: never, now: Date) => void> = {
  [PASSWORD_RESET_REQUEST]: processResetRequest,
};

export const isOutboxTask = (kind: string): boolean => Object.hasOwn(TASKS, kind);

export function runOutboxTask(tx: Tx, msg: OutboxMessage, now: Date): void {
  TASKS[msg.kind]!(tx, JSON.parse(msg.payload) as never, now);
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

/** The kinds a store must run or finish with writes of its own: tasks, and mail with after-sent writes. */
export const KINDS_WITH_WRITES: readonly string[] = [...Object.keys(TASKS), ...Object.keys(AFTER_SENT)];

/** Whether marking this kind sent has more to write (a store that cannot write it must refuse). */
export const hasAfterSent = (kind: string): boolean => Object.hasOwn(AFTER_SENT, kind);
