import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Seller } from './invoices/invoice-document';
import { loadOperator } from './operator';
import { parseMapTileUrl, type MapTiles } from './lib/map-tiles';

/** Reads and validates the environment once; the rest of the code receives a Config. */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  BASE_URL: z.url().optional(),
  DATABASE_URL: z.string().default('file:data/app.db'),
  DATA_DIR: z.string().default('data'),
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  STRIPE_API_BASE: z.url().optional(),
  SMTP_URL: z.string().min(1).optional(),
  MAIL_FROM: z.string().default("Bons d'achat <no-reply@localhost>"),
  SESSION_SECRET: z.string().min(32).optional(),
  SEED_DEMO: z.enum(['0', '1']).optional(),
  VOID_WINDOW_MINUTES: z.coerce.number().int().min(0).max(24 * 60).default(30),
  /** Weekly settlement: ISO weekday (1 = Monday … 7 = Sunday) at 05:00 Paris, or "off". */
  SETTLEMENT_WEEKDAY: z.union([z.literal('off'), z.coerce.number().int().min(1).max(7)]).default(1),
  /** Origins allowed to frame the progress widget (checked by frameAncestors below). */
  EMBED_FRAME_ANCESTORS: z.string().optional(),
  /** Express `trust proxy`: a hop count, true/false, or addresses/subnets (see trustProxy below). */
  TRUST_PROXY: z.string().optional(),
  /** Optional map of the shop directory: a tile URL template (see server/lib/map-tiles.ts) and its attribution text. */
  MAP_TILE_URL: z.string().optional(),
  MAP_ATTRIBUTION: z.string().max(200).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  baseUrl: string;
  databaseUrl: string;
  dataDir: string;
  stripe: { secretKey: string; webhookSecret?: string; apiBase?: string } | null;
  smtpUrl?: string;
  mailFrom: string;
  sessionSecret: string;
  seedDemo: boolean;
  logLevel: string;
  /** How long a shop may void its own redemption. */
  voidWindowMinutes: number;
  /** The operator's legal identity and bank account (invoices, transfers). */
  operator: Seller;
  /** ISO weekday of the automatic settlement (null: only by hand or `cli settle`). */
  settlementWeekday: number | null;
  /** Space-separated origins allowed to frame /embed/campaigns/…, normalised (default « * »). */
  embedFrameAncestors: string;
  /** Express `trust proxy`, parsed: which hops' X-Forwarded-For is believed (req.ip, rate limits). */
  trustProxy: TrustProxy;
  /** The directory's map tiles (null: no map, no third-party request). */
  mapTiles: MapTiles | null;
}

/** What Express's `trust proxy` setting takes: a hop count, a boolean, or addresses/subnets/names. */
export type TrustProxy = boolean | number | string[];

export class ConfigError extends Error {}

const FRAME_SOURCE = /^(\*|'self'|'none'|https?:\/\/(\*\.)?[a-z0-9.-]+(:\d{1,5})?)$/i;

/**
 * EMBED_FRAME_ANCESTORS as the widget's CSP frame-ancestors value: « * » by default, or a
 * space-separated list of origins. Anything else (a `;` would inject CSP directives) is
 * refused at start-up.
 */
export function frameAncestors(setting: string | undefined): string {
  const list = (setting ?? '*').trim().split(/\s+/).filter(Boolean);
  if (list.length === 0 || !list.every((s) => FRAME_SOURCE.test(s))) throw new ConfigError(`EMBED_FRAME_ANCESTORS: not a space-separated list of origins (such as "https://www.example.fr https://*.example.org", or "*"): ${setting}`);
  return list.join(' ');
}

/** The names proxy-addr (Express) knows for address ranges. */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, range, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return false;
  if (range === undefined) return true;
  // A prefix length (10.0.0.0/8, fd00::/8) or, for IPv4, a netmask (10.0.0.0/255.0.0.0).
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4;
}

/**
 * TRUST_PROXY as Express documents `trust proxy`: `true`/`false`, a number of hops
 * (`1` behind one reverse proxy), or a comma-separated list of addresses, subnets and the
 * names loopback/linklocal/uniquelocal. Passed on as the string it was, `1` was taken for
 * the address 0.0.0.1, so every proxied client shared the proxy's rate-limit bucket.
 * Anything else is refused at start-up.
 */
export function trustProxy(setting: string | undefined): TrustProxy {
  const value = (setting ?? 'false').trim();
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const list = value.split(',').map((s) => s.trim());
  if (list.length && list.every(isProxyAddress)) return list;
  throw new ConfigError(`TRUST_PROXY: not a number of proxy hops (such as 1), true/false, or a comma-separated list of addresses, subnets, loopback, linklocal or uniquelocal (such as "loopback, 10.0.0.0/8"): ${setting}`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && !e.SESSION_SECRET) throw new ConfigError('SESSION_SECRET is required when NODE_ENV=production');
  // The demo accounts' passwords are published in the README: never on a real server.
  if (production && e.SEED_DEMO === '1') throw new ConfigError('SEED_DEMO=1 is refused when NODE_ENV=production: the demo accounts have published passwords');
  if (e.STRIPE_SECRET_KEY && production && !e.STRIPE_WEBHOOK_SECRET) {
    throw new ConfigError('STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY in production');
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    baseUrl: (e.BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    stripe: e.STRIPE_SECRET_KEY
      ? { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, apiBase: e.STRIPE_API_BASE }
      : null,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    sessionSecret: e.SESSION_SECRET ?? developmentSecret(e.DATA_DIR),
    seedDemo: !production && e.SEED_DEMO !== '0',
    logLevel: e.LOG_LEVEL,
    voidWindowMinutes: e.VOID_WINDOW_MINUTES,
    operator: operatorOrThrow(env, production),
    settlementWeekday: e.SETTLEMENT_WEEKDAY === 'off' ? null : e.SETTLEMENT_WEEKDAY,
    embedFrameAncestors: frameAncestors(e.EMBED_FRAME_ANCESTORS),
    trustProxy: trustProxy(e.TRUST_PROXY),
    mapTiles: mapTilesOrThrow(e.MAP_TILE_URL, e.MAP_ATTRIBUTION),
  };
}

function mapTilesOrThrow(url: string | undefined, attribution: string | undefined): MapTiles | null {
  const tiles = parseMapTileUrl(url, attribution);
  if (typeof tiles === 'string') throw new ConfigError(tiles);
  return tiles;
}

function operatorOrThrow(env: NodeJS.ProcessEnv, production: boolean): Seller {
  try {
    return loadOperator(env, production);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/** Outside production a secret is generated once and kept in data/, so sessions survive restarts. */
function developmentSecret(dataDir: string): string {
  const file = `${dataDir}/session-secret`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('hex');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
