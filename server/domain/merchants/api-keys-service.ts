import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Database_ } from '../../../db/client';
import { apiKeys } from '../../../db/schema/index';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId, sha256 } from '../../lib/ids';
import { randomBytes } from 'node:crypto';
import { sqliteUnits, type Units } from '../../../db/store-units';
import type { Step } from '../../../db/unit-of-work';
import { sqliteApiKeyFailureStore, type ApiKeyFailureStore } from './api-key-store';

export type ApiKey = typeof apiKeys.$inferSelect;

const FAILURE_WINDOW_MS = 10 * 60_000;
export const FAILURES_BEFORE_LOCK = 20;
const LOCK_MS = 15 * 60_000;

/** Creates a key; the clear key is returned once and only its SHA-256 is stored. */
export function createApiKey(deps: { database: Database_; clock: Clock }, input: { kind: 'merchant' | 'admin'; merchantId?: string; label: string }): { key: string; apiKey: ApiKey } {
  const secret = randomBytes(24).toString('base64url');
  const key = `${input.kind === 'admin' ? 'bk_admin' : 'bk_shop'}_${secret}`;
  const apiKey: ApiKey = {
    id: newId(),
    kind: input.kind,
    merchantId: input.merchantId ?? null,
    prefix: key.slice(0, 16),
    keyHash: sha256(key),
    label: input.label,
    createdAt: deps.clock.now().toISOString(),
    revokedAt: null,
    lastUsedAt: null,
    failureCount: 0,
    failureWindowStart: null,
    lockedUntil: null,
  };
  deps.database.transaction((tx) => tx.insert(apiKeys).values(apiKey).run());
  return { key, apiKey };
}

const byHash = new WeakMap<Database_, (hash: string) => LiveKey | undefined>();

/**
 * The live key behind a bearer string; a revoked or unknown key is the same 401.
 * Every API call starts here: the lookup is a statement prepared once per database.
 */
/** A key with its shop's status (null for admin keys). */
export type LiveKey = ApiKey & { merchantStatus: string | null };

export function findLiveKey(database: Database_, bearer: string): LiveKey | undefined {
  let lookup = byHash.get(database);
  if (!lookup) {
    // The shop's status comes with the key (one read): a suspended shop's key is refused.
    const st = database.sqlite.prepare<[string], LiveKey>(
      `SELECT k.id, k.kind, k.merchant_id AS merchantId, k.prefix, k.key_hash AS keyHash, k.label, k.created_at AS createdAt, k.revoked_at AS revokedAt,
              k.last_used_at AS lastUsedAt, k.failure_count AS failureCount, k.failure_window_start AS failureWindowStart, k.locked_until AS lockedUntil,
              m.status AS merchantStatus
       FROM api_keys k LEFT JOIN merchants m ON m.id = k.merchant_id WHERE k.key_hash = ?`,
    );
    lookup = (hash) => st.get(hash);
    byHash.set(database, lookup);
  }
  const k = lookup(sha256(bearer));
  return k && !k.revokedAt ? k : undefined;
}

export function isLocked(k: Pick<ApiKey, 'lockedUntil'>, now: Date): boolean {
  return !!k.lockedUntil && new Date(k.lockedUntil) > now;
}

/**
 * Counts a failed voucher lookup (unknown or mistyped code) against the key. Past the
 * threshold inside the window the key is locked for a while: guessing codes through a
 * shop's key stops there, and the lock shows in the shop's dashboard and the CLI.
 */
export function* lookupFailureSteps(store: ApiKeyFailureStore, keyId: string, now: Date): Step<void> {
  yield* store.countFailure(keyId, {
    now: now.toISOString(),
    windowFloor: new Date(now.getTime() - FAILURE_WINDOW_MS).toISOString(),
    lockUntil: new Date(now.getTime() + LOCK_MS).toISOString(),
  }, FAILURES_BEFORE_LOCK);
}

const sqliteFailureUnits = new WeakMap<Database_, Units<ApiKeyFailureStore>>();
/** The app's SQLite database as a runner of the failure count (see db/store-units.ts). */
export function sqliteKeyFailureUnits(database: Database_): Units<ApiKeyFailureStore> {
  let units = sqliteFailureUnits.get(database);
  if (!units) sqliteFailureUnits.set(database, (units = sqliteUnits(database, sqliteApiKeyFailureStore)));
  return units;
}

/** Counts the failure where the app keeps its counts (`keyFailureUnits`: PostgreSQL; else its SQLite database). Synchronous on SQLite. */
export function recordLookupFailure(deps: { database: Database_; clock: Clock; keyFailureUnits?: Units<ApiKeyFailureStore> }, keyId: string): void | Promise<void> {
  const now = deps.clock.now();
  return (deps.keyFailureUnits ?? sqliteKeyFailureUnits(deps.database))((store) => lookupFailureSteps(store, keyId, now));
}

/** "Last used" to the minute: writing it on every call would add a write to every lookup. */
export function touchKey(database: Database_, key: Pick<ApiKey, 'id' | 'lastUsedAt'>, now: Date): void {
  if (key.lastUsedAt && now.getTime() - new Date(key.lastUsedAt).getTime() < 60_000) return;
  database.db.update(apiKeys).set({ lastUsedAt: now.toISOString() }).where(eq(apiKeys.id, key.id)).run();
}

export function listKeys(database: Database_, merchantId?: string): ApiKey[] {
  const q = database.db.select().from(apiKeys);
  return (merchantId ? q.where(eq(apiKeys.merchantId, merchantId)) : q).orderBy(asc(apiKeys.createdAt)).all();
}

export function revokeKey(deps: { database: Database_; clock: Clock }, merchantId: string, keyId: string): void {
  const res = deps.database.transaction((tx) =>
    tx.update(apiKeys).set({ revokedAt: deps.clock.now().toISOString() }).where(and(eq(apiKeys.id, keyId), eq(apiKeys.merchantId, merchantId), isNull(apiKeys.revokedAt))).run(),
  );
  if (res.changes !== 1) throw new AppError('API_KEY_NOT_FOUND', 404, 'errors.api_key_not_found');
}
