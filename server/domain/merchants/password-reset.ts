import type { Tx } from '../../../db/client';
import { runSync, type Step } from '../../../db/unit-of-work';
import { hitSteps, type RateLimitRule } from '../rate-limits/rate-limit';
import { sqliteRateLimitStore, type RateLimitStore } from '../rate-limits/rate-limit-store';
import { accountUnits, passwordLinkSteps, type UsersDeps } from './merchant-users-service';
import { sqliteShopAccountStore, type ShopAccountStore } from './shop-accounts-store';

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

/** What the reset task reads and writes: the shop accounts and the rate limits, in one unit of work. */
export interface ResetTaskStores {
  accounts: ShopAccountStore;
  limits: RateLimitStore;
}

/**
 * The task, in the worker's unit of work (either backend): an unknown or removed account,
 * or one past its mails for the hour, gets nothing; otherwise a one-hour link goes out. A
 * new request leaves older links alive (mails may arrive out of order; the user may follow
 * any of them); setting the password with one spends them all (setPasswordWithToken).
 * The hour's count is one INSERT … ON CONFLICT … RETURNING: two workers running two
 * requests of one account at once each get their own count, on either backend.
 */
export function* processResetRequestSteps(stores: ResetTaskStores, payload: { email: string; locale: string }, now: Date): Step<void> {
  const user = yield* stores.accounts.userByEmail(payload.email.trim());
  if (!user || user.removedAt) return;
  if (!(yield* hitSteps(stores.limits, RESET_MAILS_PER_ACCOUNT, user.id, now.getTime())).allowed) return;
  yield* passwordLinkSteps(stores.accounts, now, user, 'password_reset', payload.locale);
}

/** The same task in the caller's SQLite transaction. */
export function processResetRequest(tx: Tx, payload: { email: string; locale: string }, now: Date): void {
  runSync(processResetRequestSteps({ accounts: sqliteShopAccountStore(tx), limits: sqliteRateLimitStore(tx) }, payload, now));
}
