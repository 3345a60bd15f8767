import { connectPostgres, migratePostgres } from '../db/postgres';
import { openPostgresPool, type PgDatabase } from '../db/postgres-pool';
import type { SeedResult } from '../db/seed/demo';
import { seedDemoOnEmptyPostgres } from '../db/seed/demo-on-postgres';
import type { Config } from './config';
import type { Clock } from './lib/clock';

const SECRET_KEY = 'development_session_secret';

/**
 * Start-up on a `postgres://` DATABASE_URL (main.ts): migrations, the shared development
 * session secret, the demo data on an empty database, then the app's pool.
 * The demo: db/seed/demo-on-postgres.ts (the SQLite seed in a scratch file, copied over).
 */
export async function startOnPostgres(config: Config, clock: Clock, opts: { poolSize?: number } = {}): Promise<{ pg: PgDatabase; sessionSecret: string; seeded: SeedResult | null }> {
  const client = await connectPostgres(config.databaseUrl);
  let seeded: SeedResult | null = null;
  let sessionSecret = config.sessionSecret;
  try {
    await migratePostgres(client);
    // Servers starting together on a fresh database: one seeds, the others wait and find it seeded.
    if (config.seedDemo) {
      const demo = await seedDemoOnEmptyPostgres(client, config.dataDir, clock.now());
      // No campaign yet but other rows (settings, staff): copy-database refuses, and so does the start, naming the tables.
      if (demo.seeded === null && demo.reason === 'TARGET_NOT_EMPTY') throw new Error(`the demo could not be copied to PostgreSQL: tables not empty: ${demo.tables.join(', ')}`);
      seeded = demo.seeded;
    }
    if (!process.env.SESSION_SECRET) {
      // As sharedSessionSecret on SQLite: the first server's candidate wins, every other one reads it.
      await client.query('INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING', [SECRET_KEY, sessionSecret, clock.now().toISOString()]);
      sessionSecret = (await client.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [SECRET_KEY])).rows[0]!.value;
    }
  } finally {
    await client.end();
  }
  return { pg: openPostgresPool(config.databaseUrl, { max: opts.poolSize ?? 10 }), sessionSecret, seeded };
}
