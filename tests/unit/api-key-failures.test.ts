import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, type Database_ } from '../../db/client';
import { createApiKey, FAILURES_BEFORE_LOCK, recordLookupFailure } from '../../server/domain/merchants/api-keys-service';
import { fixedClock } from '../../server/lib/clock';

/**
 * A key's failed lookups are counted by one UPDATE with no read before it (so two servers
 * counting at once on PostgreSQL lose no count): same window rules as before — a
 * 10-minute window from its first failure, the 20th failure in it locks the key 15 minutes.
 */
describe('failed lookups per API key, counted in one statement', () => {
  let dir: string;
  let database: Database_;
  let other: Database_;
  const clock = fixedClock('2027-03-01T09:00:00.000Z');
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'key-failures-'));
    database = openDatabase(`file:${join(dir, 'app.db')}`);
    migrateDatabase(database);
    other = openDatabase(`file:${join(dir, 'app.db')}`);
  });
  afterAll(async () => {
    await other.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const row = (id: string) => database.sqlite.prepare(`SELECT failure_count AS n, failure_window_start AS start, locked_until AS lockedUntil FROM api_keys WHERE id = ?`).get(id);

  it('counts within the window from two connections, restarts after it, locks at the threshold', () => {
    const { apiKey } = createApiKey({ database, clock }, { kind: 'admin', label: 'till' });
    const t0 = clock.now().toISOString();
    for (let i = 0; i < FAILURES_BEFORE_LOCK - 2; i++) recordLookupFailure({ database: i % 2 ? other : database, clock }, apiKey.id);
    expect(row(apiKey.id)).toEqual({ n: FAILURES_BEFORE_LOCK - 2, start: t0, lockedUntil: null });
    // Ten minutes after the window opened it has closed: a new one starts with this failure.
    clock.advance(10 * 60_000);
    recordLookupFailure({ database: other, clock }, apiKey.id);
    const t1 = clock.now().toISOString();
    expect(row(apiKey.id)).toEqual({ n: 1, start: t1, lockedUntil: null });
    clock.advance(9 * 60_000 + 59_999);
    for (let i = 0; i < FAILURES_BEFORE_LOCK - 2; i++) recordLookupFailure({ database: i % 2 ? other : database, clock }, apiKey.id);
    expect(row(apiKey.id)).toEqual({ n: FAILURES_BEFORE_LOCK - 1, start: t1, lockedUntil: null });
    recordLookupFailure({ database, clock }, apiKey.id);
    const lockedUntil = new Date(clock.now().getTime() + 15 * 60_000).toISOString();
    expect(row(apiKey.id)).toEqual({ n: FAILURES_BEFORE_LOCK, start: t1, lockedUntil });
    // A failure in a new window keeps the lock it does not renew.
    clock.advance(1);
    recordLookupFailure({ database: other, clock }, apiKey.id);
    expect(row(apiKey.id)).toEqual({ n: 1, start: clock.now().toISOString(), lockedUntil });
  });
});
