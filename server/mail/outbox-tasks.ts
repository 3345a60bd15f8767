import type { Tx } from '../../db/client';
import { PASSWORD_RESET_REQUEST, processResetRequest } from '../domain/merchants/password-reset';
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
