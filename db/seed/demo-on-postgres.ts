import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { migrateDatabase, openDatabase } from '../client';
import { copySqliteToPostgres } from '../copy/copy-database';
import { seedDemo, type SeedResult } from './demo';
import { seedDemoBrand } from './demo-brand';
import { seedDemoRedemptions } from './demo-redemptions';

/**
 * The demo on a PostgreSQL database (server start-up and `cli seed-demo`): built by the same
 * code as on SQLite, in a scratch SQLite file, and moved over with copy-database — the
 * operator's own migration path, which proves its copy — so the two backends start from the
 * same demo and there is one seed to maintain.
 *
 * Under an advisory lock: servers (or a server and the CLI) seeding one fresh database at once
 * take turns, and the second finds it seeded. « Empty » is SQLite's test (no campaign);
 * copy-database then also needs every other table empty, or it refuses and names them.
 */
export type DemoOnPostgres =
  | { seeded: SeedResult }
  | { seeded: null; reason: 'HAS_CAMPAIGNS' }
  | { seeded: null; reason: 'TARGET_NOT_EMPTY'; tables: string[] };

export async function seedDemoOnEmptyPostgres(client: pg.Client, scratchParent: string, now: Date): Promise<DemoOnPostgres> {
  await client.query("SELECT pg_advisory_lock(hashtext('demo-seed'))");
  try {
    const { rows } = await client.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM campaigns) AS empty');
    if (!rows[0]!.empty) return { seeded: null, reason: 'HAS_CAMPAIGNS' };
    return await seedThroughSqlite(client, scratchParent, now);
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtext('demo-seed'))");
  }
}

async function seedThroughSqlite(client: pg.Client, scratchParent: string, now: Date): Promise<DemoOnPostgres> {
  const dir = mkdtempSync(join(scratchParent, 'demo-seed-'));
  const scratch = openDatabase(`file:${join(dir, 'scratch')}`, { backgroundCheckpoints: false });
  try {
    migrateDatabase(scratch);
    const seeded = await seedDemo(scratch, now);
    await seedDemoRedemptions(scratch, now);
    seedDemoBrand(scratch, now);
    const outcome = await copySqliteToPostgres(scratch.sqlite, client);
    if (!outcome.ok && outcome.reason === 'TARGET_NOT_EMPTY') return { seeded: null, reason: 'TARGET_NOT_EMPTY', tables: outcome.tables };
    if (!outcome.ok) throw new Error(`the demo could not be copied to PostgreSQL: ${JSON.stringify(outcome).slice(0, 500)}`);
    return { seeded };
  } finally {
    await scratch.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
