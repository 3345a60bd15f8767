import type { Tx } from '../../../db/client';
import { enqueueMessage } from '../../mail/outbox-repository';
import { hit, type RateLimitRule } from '../rate-limits/rate-limit';
import { findUserByEmail } from './merchant-users-repository';
import { accountUnits, issuePasswordLink, type UsersDeps } from './merchant-users-service';

/** The outbox task that turns a "forgotten password" request into a link, or into nothing. */
export const PASSWORD_RESET_REQUEST = 'password_reset_request';

/**
 * At most 3 reset mails per account per hour, whoever asks and from however many
 * addresses or processes (counted in the database): a flood of requests cannot bury a
 * user's mailbox, and at most 3 reset links of a user are alive at once (each lasts 1 h).
 */
export const RESET_MAILS_PER_ACCOUNT: RateLimitRule = { name: 'reset-mail-account', limit: 3, windowMs: 3600_000 };

/**
 * "Forgotten password": the request does the same work whatever the address — it only
 * queues a task holding the address typed — so neither its answer nor its timing tells
 * whether an account exists. Everything account-specific (the lookup, the per-account
 * limit, the link and its mail) happens later in the outbox worker (processResetRequest).
 */
export function requestPasswordReset(deps: UsersDeps, email: string, locale: string): void | Promise<void> {
  const now = deps.clock.now();
  return accountUnits(deps)((store) => store.enqueue({ kind: PASSWORD_RESET_REQUEST, recipient: email, payload: { email, locale } }, now));
}

/**
 * The task, in the worker's transaction: an unknown or removed account, or one past its
 * mails for the hour, gets nothing; otherwise a one-hour link goes out. A new request
 * leaves older links alive (mails may arrive out of order; the user may follow any of
 * them); setting the password with one spends them all (setPasswordWithToken).
 */
export function processResetRequest(tx: Tx, payload: { email: string; locale: string }, now: Date): void {
  const user = findUserByEmail(tx, payload.email.trim());
  if (!user || user.removedAt) return;
  if (!hit(tx, RESET_MAILS_PER_ACCOUNT, user.id, now.getTime()).allowed) return;
  issuePasswordLink(tx, now, user, 'password_reset', payload.locale);
}
