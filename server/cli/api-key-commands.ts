import type { Database_ } from '../../db/client';
import type { PgDatabase } from '../../db/postgres-pool';
import { pgUnits, sqliteDirect, sqliteUnits, type Units } from '../../db/store-units';
import type { Step } from '../../db/unit-of-work';
import { sqliteApiKeyAdminStore, type ApiKeyAdminStore } from '../domain/merchants/api-key-admin-store';
import { pgApiKeyAdminStore } from '../domain/merchants/api-key-admin-store-pg';
import { createApiKeySteps, isLocked } from '../domain/merchants/api-keys-service';
import { sqliteShopAccountStore, type ShopAccountStore } from '../domain/merchants/shop-accounts-store';
import { pgShopAccountStore } from '../domain/merchants/shop-accounts-store-pg';
import { systemClock } from '../lib/clock';
import { usage, type Opts, type Result } from './command';

/** The shop named by --merchant (shop accounts' store) and the keys (the shop area's key store), on one connection. */
export interface KeyCommandStore {
  accounts: ShopAccountStore;
  keys: ApiKeyAdminStore;
}

/** Writes in a unit of work (BEGIN IMMEDIATE, or a pooled transaction); the list as plain reads. */
export interface KeyCommandUnits {
  write: Units<KeyCommandStore>;
  read: Units<KeyCommandStore>;
}

export function sqliteKeyCommandUnits(database: Database_): KeyCommandUnits {
  const storeOf = (tx: Parameters<typeof sqliteShopAccountStore>[0]) => ({ accounts: sqliteShopAccountStore(tx), keys: sqliteApiKeyAdminStore(tx) });
  return { write: sqliteUnits(database, storeOf), read: sqliteDirect(database, storeOf) };
}

export function pgKeyCommandUnits(pg: PgDatabase): KeyCommandUnits {
  const units = pgUnits(pg, (client) => ({ accounts: pgShopAccountStore(client), keys: pgApiKeyAdminStore(client) }));
  return { write: units, read: units };
}

const noShop = (slug: string): Result => ({ code: 1, json: { error: 'MERCHANT_NOT_FOUND' }, text: `no shop with slug ${slug}` });

/** `create-api-key --merchant SLUG [--label L]` or `--admin [--label L]`: prints the key, shown once (only its hash is kept). */
export async function createApiKeyCommand(units: KeyCommandUnits, opts: Opts): Promise<Result> {
  const label = typeof opts.label === 'string' ? opts.label : 'CLI';
  const now = systemClock.now();
  if (opts.admin === true && opts.merchant === undefined) {
    const { key, apiKey } = await units.write((s) => createApiKeySteps(s.keys, now, { kind: 'admin', label }));
    return { code: 0, json: { key, id: apiKey.id, kind: 'admin' }, text: `admin API key (shown once):\n${key}` };
  }
  if (typeof opts.merchant !== 'string' || opts.admin) usage('create-api-key needs --merchant SLUG or --admin');
  const slug = opts.merchant;
  return await units.write(function* (s): Step<Result> {
    const merchant = yield* s.accounts.merchantBySlug(slug);
    if (!merchant) return noShop(slug);
    const { key, apiKey } = yield* createApiKeySteps(s.keys, now, { kind: 'merchant', merchantId: merchant.id, label });
    return { code: 0, json: { key, id: apiKey.id, kind: 'merchant', merchant: merchant.slug }, text: `API key for ${merchant.name} (shown once):\n${key}` };
  });
}

/** `api-keys [--merchant SLUG]`: every key (or the shop's), oldest first, with its state. */
export async function apiKeysCommand(units: KeyCommandUnits, opts: Opts): Promise<Result> {
  const slug = typeof opts.merchant === 'string' ? opts.merchant : undefined;
  const listed = await units.read(function* (s) {
    const merchant = slug === undefined ? undefined : yield* s.accounts.merchantBySlug(slug);
    if (slug !== undefined && !merchant) return null;
    return yield* s.keys.list(merchant?.id);
  });
  if (!listed) return noShop(slug!);
  const now = systemClock.now();
  const keys = listed.map((k) => ({
    id: k.id, kind: k.kind, merchantId: k.merchantId, prefix: k.prefix, label: k.label, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt,
    state: k.revokedAt ? 'revoked' : isLocked(k, now) ? 'locked' : 'active', lockedUntil: k.lockedUntil, recentFailures: k.failureCount,
  }));
  return { code: 0, json: { keys }, text: keys.map((k) => `${k.prefix}…  ${k.kind.padEnd(8)} ${k.state.padEnd(7)} ${k.label}${k.state === 'locked' ? ` until ${k.lockedUntil}` : ''}`).join('\n') || 'no API keys' };
}
