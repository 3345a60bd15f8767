import type pg from 'pg';
import type { Database_ } from '../../db/client';
import { isDatabaseEmpty, seedDemo, type SeedResult } from '../../db/seed/demo';
import { seedDemoBrand } from '../../db/seed/demo-brand';
import { seedDemoOnEmptyPostgres } from '../../db/seed/demo-on-postgres';
import { seedDemoRedemptions } from '../../db/seed/demo-redemptions';
import type { Config } from '../config';
import { systemClock } from '../lib/clock';
import { usage, type Result } from './command';

/**
 * `seed-demo`: the demo campaigns, shops, sales and accounts, on an empty database only.
 * The demo accounts' passwords are published: a production database never gets them.
 */
export async function seedDemoCommand(db: Database_, config: Config): Promise<Result> {
  refuseInProduction(config);
  if (!isDatabaseEmpty(db)) return notEmpty();
  const now = systemClock.now();
  const r = await seedDemo(db, now);
  await seedDemoRedemptions(db, now);
  seedDemoBrand(db, now);
  return seeded(r);
}

/**
 * The same on a postgres:// DATABASE_URL: the server's own start-up seed (a scratch SQLite
 * seed copied with copy-database, under the advisory lock a starting server takes). Where
 * SQLite would still seed (no campaign) but other tables hold rows, copy-database cannot:
 * refused as not empty too, with the tables named.
 */
export async function seedDemoCommandPostgres(client: pg.Client, config: Config): Promise<Result> {
  refuseInProduction(config);
  const demo = await seedDemoOnEmptyPostgres(client, config.dataDir, systemClock.now());
  if (demo.seeded) return seeded(demo.seeded);
  if (demo.reason === 'HAS_CAMPAIGNS') return notEmpty();
  return {
    code: 1,
    json: { seeded: false, reason: 'database not empty', tables: demo.tables },
    text: `database is not empty (rows in ${demo.tables.join(', ')}): nothing seeded; on PostgreSQL the demo goes only into a database with no rows`,
  };
}

function refuseInProduction(config: Config): void {
  if (config.env === 'production') usage('seed-demo is refused when NODE_ENV=production: the demo accounts have published passwords');
}

const notEmpty = (): Result => ({ code: 1, json: { seeded: false, reason: 'database not empty' }, text: 'database is not empty: nothing seeded' });

const seeded = (r: SeedResult): Result => ({
  code: 0,
  json: { seeded: true, ...r },
  text: `seeded « ${r.campaignName} », ${r.merchantCount} shops and demo accounts:\n${r.shopUsers.map((u) => `  ${u.email} ${u.password}`).join('\n')}\n  POS API key (${r.apiKey.merchantSlug}): ${r.apiKey.key}`,
});
