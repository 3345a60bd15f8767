import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stepAt, totpCode, newTotpSecret } from '../../server/domain/operators/totp';
import { DEMO_ADMIN_EMAIL, DEMO_VIEWER_EMAIL } from '../support/operator';
import { DEMO_OPERATOR_PASSWORD } from '../../server/domain/operators/demo-operators';
import { FormClient } from '../support/test-app';
import { childEnv, startServerProcess, type ServerProcess } from '../support/server-process';

/**
 * Issue 14: two real server processes (npm start's entry point) on one SQLite file, as two
 * machines would run: each with its own data directory, and no SESSION_SECRET (so each
 * generates one). Scheduled jobs, the second factor's replay protection and the CSRF
 * secret behind sessions must be shared through the database, not kept per process; the
 * outbox workers of both must never send the same message.
 */
let dir: string;
const servers: ServerProcess[] = [];
const dbFile = () => join(dir, 'shared.db');
const env = (name: string) => {
  const dataDir = join(dir, name);
  mkdirSync(dataDir, { recursive: true });
  const e = childEnv({ DATABASE_URL: `file:${dbFile()}`, DATA_DIR: dataDir, LOG_LEVEL: 'debug', SETTLEMENT_WEEKDAY: 'off' });
  delete e.SESSION_SECRET;
  return e;
};
const waitFor = async (what: () => boolean, label: string) => {
  for (let i = 0; i < 300 && !what(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!what()) throw new Error(`timed out waiting for ${label}`);
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'several-processes-'));
  // The first one migrates and seeds (and runs the day's expiry); the second starts on the ready file.
  servers.push(await startServerProcess(env('a')));
  await waitFor(() => servers[0]!.output().includes('daily expiry done'), "the first server's expiry run");
  servers.push(await startServerProcess(env('b')));
}, 90_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('two server processes on one database file', () => {
  it("run the day's voucher expiry once: the second server finds that run done", async () => {
    const [a, b] = [servers[0]!, servers[1]!];
    await waitFor(() => /daily expiry done|scheduled run already done/.test(b.output()), "the second server's start-up run");
    const runs = (s: ServerProcess) => s.output().match(/daily expiry done/g)?.length ?? 0;
    expect(runs(a)).toBe(1);
    expect(runs(b)).toBe(0);
    const db = new Database(dbFile(), { readonly: true });
    try {
      const row = db.prepare(`SELECT holder, lease_until AS leaseUntil, done_slot AS doneSlot FROM job_leases WHERE name = 'daily-expiry'`).get() as { holder: string; leaseUntil: number | null; doneSlot: number };
      expect(row.leaseUntil).toBeNull();
      expect(row.holder).toContain(`:${a.child.pid}:`);
      // The slot is the last 02:00 Paris that passed.
      expect(Date.now() - row.doneSlot).toBeGreaterThanOrEqual(0);
      expect(Date.now() - row.doneSlot).toBeLessThan(25 * 3600_000);
    } finally {
      db.close();
    }
  });

  it('accept a second-factor code once: the code used on one server is refused on the other', async () => {
    const [a, b] = [servers[0]!, servers[1]!];
    const secret = newTotpSecret();
    const db = new Database(dbFile());
    try {
      db.prepare(`UPDATE operator_users SET totp_secret = ? WHERE email = ?`).run(secret, DEMO_ADMIN_EMAIL);
    } finally {
      db.close();
    }
    const signIn = async (s: ServerProcess, code: string) => {
      const c = new FormClient(s.url);
      const page = await c.get('/operateur/connexion');
      return (await c.post('/operateur/connexion', { email: DEMO_ADMIN_EMAIL, password: DEMO_OPERATOR_PASSWORD, code }, page.html)).res.status;
    };
    const code = totpCode(secret, stepAt(new Date()));
    expect(await signIn(a, code)).toBe(303);
    expect(await signIn(b, code)).toBe(401);
    expect(await signIn(a, code)).toBe(401);
  });

  it('send each queued mail once, both workers draining the outbox at the same time', async () => {
    const N = 120;
    const db = new Database(dbFile());
    try {
      const userId = (db.prepare(`SELECT id FROM merchant_users LIMIT 1`).get() as { id: string }).id;
      const now = new Date().toISOString();
      const insert = db.prepare(`INSERT INTO outbox_messages (id, kind, payload, recipient, status, attempts, next_attempt_at, created_at) VALUES (?, 'password_reset', ?, ?, 'pending', 0, ?, ?)`);
      db.transaction(() => {
        for (let i = 0; i < N; i++) insert.run(`mp-${i}`, JSON.stringify({ userId, token: `t${i}`, locale: 'fr' }), `mp${i}@example.org`, now, now);
      })();
      const pending = () => (db.prepare(`SELECT COUNT(*) n FROM outbox_messages WHERE id LIKE 'mp-%' AND status != 'sent'`).get() as { n: number }).n;
      await waitFor(() => pending() === 0, 'both workers to send the queued mail');
      expect(db.prepare(`SELECT DISTINCT attempts FROM outbox_messages WHERE id LIKE 'mp-%'`).pluck().all()).toEqual([1]);
    } finally {
      db.close();
    }
    const files = ['a', 'b'].flatMap((name) => {
      const outbox = join(dir, name, 'outbox');
      return existsSync(outbox) ? readdirSync(outbox).filter((f) => /-mp\d+@example\.org\.eml$/.test(f)).map((f) => `${name}:${f}`) : [];
    });
    expect(files).toHaveLength(N);
    expect(new Set(files.map((f) => /-(mp\d+)@/.exec(f)![1])).size).toBe(N);
  });

  it('accept on one server a form served by the other, and a session opened on either', async () => {
    const [a, b] = [servers[0]!, servers[1]!];
    const c = new FormClient(a.url);
    const page = await c.get('/operateur/connexion');
    const signedIn = await c.post(`${b.url}/operateur/connexion`, { email: DEMO_VIEWER_EMAIL, password: DEMO_OPERATOR_PASSWORD }, page.html);
    expect(signedIn.res.status).toBe(303);
    const onA = await c.get(`${a.url}/operateur/securite`);
    expect(onA.res.status).toBe(200);
    const onB = await c.get(`${b.url}/operateur/securite`);
    expect(onB.res.status).toBe(200);
    // A form of B's page posted to A: the wrong code is refused by the rule (422), not by CSRF (403).
    const refused = await c.post(`${a.url}/operateur/securite/totp`, { secret: newTotpSecret(), code: '000000' }, onB.html);
    expect(refused.res.status).toBe(422);
  });
});
