import type { Database_ } from '../../../db/client';
import { apiKeys } from '../../../db/schema/index';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId, sha256 } from '../../lib/ids';
import { randomBytes } from 'node:crypto';
import { sqliteUnits, type Units } from '../../../db/store-units';
import { runSync, type Step } from '../../../db/unit-of-work';
import { sqliteApiKeyStore, type ApiKeyStore } from './api-key-store';
import { sqliteApiKeyAdminStore, type ApiKeyAdminStore } from './api-key-admin-store';

export type ApiKey = typeof apiKeys.$inferSelect;

const FAILURE_WINDOW_MS = 10 * 60_000;
export const FAILURES_BEFORE_LOCK = 20;
const LOCK_MS = 15 * 60_000;

/** Creates a key; the clear key is returned once and only its SHA-256 is stored. On the SQLite database (CLI, tests' fixtures). */
export function createApiKey(deps: { database: Database_; clock: Clock }, input: { kind: 'merchant' | 'admin'; merchantId?: string; label: string }): { key: string; apiKey: ApiKey } {
  const now = deps.clock.now();
  return deps.database.transaction((tx) => runSync(createApiKeySteps(sqliteApiKeyAdminStore(tx), now, input)));
}

/** Key creation on either backend (the shop's page). */
export function* createApiKeySteps(store: ApiKeyAdminStore, now: Date, input: { kind: 'merchant' | 'admin'; merchantId?: string; label: string }): Step<{ key: string; apiKey: ApiKey }> {
  const secret = randomBytes(24).toString('base64url');
  const key = `${input.kind === 'admin' ? 'bk_admin' : 'bk_shop'}_${secret}`;
  const apiKey: ApiKey = {
    id: newId(),
    kind: input.kind,
    merchantId: input.merchantId ?? null,
    prefix: key.slice(0, 16),
    keyHash: sha256(key),
    label: input.label,
    createdAt: now.toISOString(),
    revokedAt: null,
    lastUsedAt: null,
    failureCount: 0,
    failureWindowStart: null,
    lockedUntil: null,
  };
  yield* store.insert(apiKey);
  return { key, apiKey };
}

/**
 * The live key behind a bearer string; a revoked or unknown key is the same 401.
 * Every API call starts here: the lookup is a statement prepared once per connection.
 */
/** A key with its shop's status (null for admin keys). */
export type LiveKey = ApiKey & { merchantStatus: string | null };

export function findLiveKey(database: Database_, bearer: string): LiveKey | undefined {
  const k = runSync(sqliteApiKeyStore(database.db).keyByHash(sha256(bearer)));
  return k && !k.revokedAt ? k : undefined;
}

/**
 * API-key authentication, once for both backends: the key behind the bearer string, of the
 * kind the route allows, not locked by failed lookups, of a shop still approved; "last
 * used" written at most once a minute. Refusals are thrown as the AppErrors the API answers.
 */
export function* keyAuthSteps(store: ApiKeyStore, bearer: string, allowed: ApiKey['kind'], now: Date): Step<LiveKey> {
  const key = yield* store.keyByHash(sha256(bearer));
  if (!key || key.revokedAt) throw new AppError('UNAUTHORIZED', 401, 'errors.unauthorized');
  if (key.kind !== allowed) throw new AppError('FORBIDDEN', 403, 'errors.forbidden');
  if (isLocked(key, now)) throw new AppError('RATE_LIMITED', 429, 'errors.key_locked', undefined, { until: key.lockedUntil! });
  // A shop key lives on while its shop is suspended (reactivation restores it): refused, with a reason the till can show.
  if (key.kind === 'merchant' && key.merchantStatus !== 'approved') {
    throw key.merchantStatus === 'suspended' ? new AppError('MERCHANT_SUSPENDED', 403, 'errors.merchant_suspended') : new AppError('MERCHANT_NOT_ACTIVE', 403, 'errors.merchant_not_active');
  }
  if (touchDue(key, now)) yield* store.touch(key.id, now.toISOString());
  return key;
}

export function isLocked(k: Pick<ApiKey, 'lockedUntil'>, now: Date): boolean {
  return !!k.lockedUntil && new Date(k.lockedUntil) > now;
}

/**
 * Counts a failed voucher lookup (unknown or mistyped code) against the key. Past the
 * threshold inside the window the key is locked for a while: guessing codes through a
 * shop's key stops there, and the lock shows in the shop's dashboard and the CLI.
 */
export function* lookupFailureSteps(store: ApiKeyStore, keyId: string, now: Date): Step<void> {
  yield* store.countFailure(keyId, {
    now: now.toISOString(),
    windowFloor: new Date(now.getTime() - FAILURE_WINDOW_MS).toISOString(),
    lockUntil: new Date(now.getTime() + LOCK_MS).toISOString(),
  }, FAILURES_BEFORE_LOCK);
}

const sqliteFailureUnits = new WeakMap<Database_, Units<ApiKeyStore>>();
/** The app's SQLite database as a runner of the failure count (see db/store-units.ts). */
export function sqliteKeyFailureUnits(database: Database_): Units<ApiKeyStore> {
  let units = sqliteFailureUnits.get(database);
  if (!units) sqliteFailureUnits.set(database, (units = sqliteUnits(database, sqliteApiKeyStore)));
  return units;
}

/** Counts the failure where the app keeps its keys (`apiKeyUnits`: PostgreSQL; else its SQLite database). Synchronous on SQLite. */
export function recordLookupFailure(deps: { database: Database_; clock: Clock; apiKeyUnits?: Units<ApiKeyStore> }, keyId: string): void | Promise<void> {
  const now = deps.clock.now();
  return (deps.apiKeyUnits ?? sqliteKeyFailureUnits(deps.database))((store) => lookupFailureSteps(store, keyId, now));
}

/** "Last used" to the minute: writing it on every call would add a write to every lookup. */
export const touchDue = (key: Pick<ApiKey, 'lastUsedAt'>, now: Date) => !key.lastUsedAt || now.getTime() - new Date(key.lastUsedAt).getTime() >= 60_000;

export function touchKey(database: Database_, key: Pick<ApiKey, 'id' | 'lastUsedAt'>, now: Date): void {
  if (touchDue(key, now)) runSync(sqliteApiKeyStore(database.db).touch(key.id, now.toISOString()));
}

export function listKeys(database: Database_, merchantId?: string): ApiKey[] {
  return runSync(sqliteApiKeyAdminStore(database.db).list(merchantId));
}

export function revokeKey(deps: { database: Database_; clock: Clock }, merchantId: string, keyId: string): void {
  const now = deps.clock.now();
  deps.database.transaction((tx) => runSync(revokeKeySteps(sqliteApiKeyAdminStore(tx), merchantId, keyId, now)));
}

/** Revocation on either backend: only a live key of this shop; anything else is the same 404. */
export function* revokeKeySteps(store: ApiKeyAdminStore, merchantId: string, keyId: string, now: Date): Step<void> {
  if (!(yield* store.revoke(merchantId, keyId, now.toISOString()))) throw new AppError('API_KEY_NOT_FOUND', 404, 'errors.api_key_not_found');
}
