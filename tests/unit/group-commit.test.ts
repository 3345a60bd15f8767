import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client';

describe('group commit (batchedTransaction)', () => {
  it('commits concurrent calls together, rolls back a failing one alone', async () => {
    const db = openDatabase(':memory:');
    db.sqlite.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL CHECK (v >= 0))');
    const put = (k: string, v: number) =>
      db.batchedTransaction(() => {
        db.sqlite.prepare('INSERT INTO t (k, v) VALUES (?, ?)').run(k, 1);
        // The second statement fails for v < 0: the first must be undone with it.
        db.sqlite.prepare('UPDATE t SET v = ? WHERE k = ?').run(v, k);
        return k;
      });
    const results = await Promise.allSettled([put('a', 1), put('b', -1), put('c', 3), put('a', 5)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect(db.sqlite.prepare('SELECT k, v FROM t ORDER BY k').all()).toEqual([
      { k: 'a', v: 1 },
      { k: 'c', v: 3 },
    ]);
    // One transaction for the whole batch: total_changes grows but only one BEGIN/COMMIT ran.
    expect(db.sqlite.inTransaction).toBe(false);
    db.close();
  });

  it('sees each earlier call’s writes within the batch (same connection, in order)', async () => {
    const db = openDatabase(':memory:');
    db.sqlite.exec('CREATE TABLE bal (id INTEGER PRIMARY KEY, cents INTEGER NOT NULL)');
    db.sqlite.exec('INSERT INTO bal VALUES (1, 1000)');
    const take = (n: number) =>
      db.batchedTransaction(() => {
        const { cents } = db.sqlite.prepare('SELECT cents FROM bal WHERE id = 1').get() as { cents: number };
        if (cents < n) throw new Error('insufficient');
        db.sqlite.prepare('UPDATE bal SET cents = ? WHERE id = 1').run(cents - n);
        return cents - n;
      });
    const r = await Promise.allSettled(Array.from({ length: 30 }, () => take(300)));
    expect(r.filter((x) => x.status === 'fulfilled')).toHaveLength(3);
    expect((db.sqlite.prepare('SELECT cents FROM bal').get() as { cents: number }).cents).toBe(100);
    db.close();
  });

  it('runs a batch once when calls fail before writing, and again with savepoints when one fails after writing', async () => {
    const db = openDatabase(':memory:');
    db.sqlite.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL CHECK (v >= 0))');
    let runs = 0;
    const call = (k: string, v: number, refuseFirst = false) =>
      db.batchedTransaction(() => {
        runs++;
        if (refuseFirst) throw new Error('refused before writing');
        db.sqlite.prepare('INSERT INTO t (k, v) VALUES (?, 0)').run(k);
        db.sqlite.prepare('UPDATE t SET v = ? WHERE k = ?').run(v, k);
        return k;
      });
    const clean = await Promise.allSettled([call('a', 1), call('b', 1, true), call('c', 1)]);
    expect(clean.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(runs).toBe(3); // the fast pass only

    runs = 0;
    const poisoned = await Promise.allSettled([call('d', 1), call('e', -1), call('f', 1, true), call('g', 2)]);
    expect(poisoned.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(runs).toBe(2 + 4); // the fast pass stopped at the partial write, then the safe pass
    expect(db.sqlite.prepare('SELECT k, v FROM t ORDER BY k').all()).toEqual([
      { k: 'a', v: 1 },
      { k: 'c', v: 1 },
      { k: 'd', v: 1 },
      { k: 'g', v: 2 },
    ]);
    db.close();
  });
});
