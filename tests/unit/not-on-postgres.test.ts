import { describe, expect, it } from 'vitest';
import { notOnPostgres, NotOnPostgresYet } from '../../server/lib/not-on-postgres';

describe('the SQLite handle of an app on PostgreSQL (notOnPostgres)', () => {
  it('lets routers be built: members and prepared statements are inert until used', () => {
    const database = notOnPostgres();
    const db = database.db;
    const stmt = database.sqlite.prepare('SELECT 1').pluck();
    expect(typeof db).toBe('function');
    expect(() => stmt.get()).toThrow(NotOnPostgresYet);
  });

  it('refuses every query, transaction or statement with a 503 naming what was used', () => {
    const database = notOnPostgres();
    const attempts: [string, () => unknown][] = [
      ['database.transaction()', () => database.transaction(() => 1)],
      ['database.db.select()', () => database.db.select()],
      ['database.sqlite.prepare().all()', () => database.sqlite.prepare('SELECT 1').all()],
      ['database.snapshot()', () => database.snapshot(() => 1)],
    ];
    for (const [what, attempt] of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(caught, what).toBeInstanceOf(NotOnPostgresYet);
      expect(caught).toMatchObject({ status: 503, code: 'NOT_ON_POSTGRES_YET', property: what });
    }
  });

  it('is harmless to await and to log', async () => {
    const database = notOnPostgres();
    expect(await Promise.resolve(database)).toBe(database);
    expect(() => JSON.stringify({ database })).not.toThrow();
  });
});
