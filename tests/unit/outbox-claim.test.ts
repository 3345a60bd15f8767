import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, type Database_ } from '../../db/client';
import { claimDueMessages, enqueueMessage } from '../../server/mail/outbox-repository';

/**
 * The outbox claim is one UPDATE … RETURNING (PostgreSQL: its subquery adds FOR UPDATE
 * SKIP LOCKED): two workers on two connections — two servers — never get the same message,
 * with or without a transaction around the call, and what the call returns is what it wrote.
 */
describe('outbox claim across two connections to one database', () => {
  let dir: string;
  let a: Database_;
  let b: Database_;
  const t0 = new Date('2027-02-01T10:00:00Z');
  const LEASE = 120_000;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-claim-'));
    a = openDatabase(`file:${join(dir, 'app.db')}`);
    migrateDatabase(a);
    b = openDatabase(`file:${join(dir, 'app.db')}`);
    a.transaction((tx) => {
      for (let i = 0; i < 30; i++) enqueueMessage(tx, { kind: 'test', recipient: `r${i}@example.org`, payload: { i } }, new Date(t0.getTime() - (30 - i) * 1000));
    });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands each due message to one worker, oldest first, then again only once its lease has run out', () => {
    const seen: string[] = [];
    for (let round = 0; round < 6; round++) {
      const worker = round % 2 ? b : a;
      // Without a transaction on one side, inside one on the other: the statement alone keeps them apart.
      const got = round % 2 ? claimDueMessages(worker.db, t0, LEASE, 7) : worker.transaction((tx) => claimDueMessages(tx, t0, LEASE, 7));
      for (const m of got) {
        expect(m).toMatchObject({ status: 'sending', attempts: 1, leaseUntil: new Date(t0.getTime() + LEASE).toISOString() });
        seen.push(m.id);
      }
      expect(got.map((m) => m.nextAttemptAt)).toEqual([...got.map((m) => m.nextAttemptAt)].sort());
    }
    expect(seen).toHaveLength(30);
    expect(new Set(seen).size).toBe(30);
    // What the rows say is what the calls returned.
    const rows = a.sqlite.prepare(`SELECT status, attempts, lease_until AS leaseUntil FROM outbox_messages`).all();
    expect(rows.every((r) => JSON.stringify(r) === JSON.stringify({ status: 'sending', attempts: 1, leaseUntil: new Date(t0.getTime() + LEASE).toISOString() }))).toBe(true);
    // Nothing is due while the leases hold; after, each message is claimed again, once.
    expect(claimDueMessages(b.db, new Date(t0.getTime() + LEASE - 1), LEASE, 100)).toEqual([]);
    const after = new Date(t0.getTime() + LEASE);
    const again = [...claimDueMessages(a.db, after, LEASE, 20), ...claimDueMessages(b.db, after, LEASE, 20), ...claimDueMessages(a.db, after, LEASE, 20)];
    expect(again).toHaveLength(30);
    expect(new Set(again.map((m) => m.id)).size).toBe(30);
    expect(again.every((m) => m.attempts === 2)).toBe(true);
  });
});
