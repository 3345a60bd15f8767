/**
 * Issue 14, "several processes": the state two servers share through the database, on
 * SQLite (two connections to one file) and on PostgreSQL (two pools on one database, whose
 * units really run at the same time). The services are the app's own (rules as Steps over
 * a store, db/store-units.ts); only the runners differ per backend.
 */
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyAuthSteps, lookupFailureSteps, FAILURES_BEFORE_LOCK } from '../../server/domain/merchants/api-keys-service';
import { secondFactorSteps } from '../../server/domain/operators/operator-totp-service';
import { operatorSessionSteps } from '../../server/domain/operators/operator-users-service';
import { newTotpSecret, stepAt, totpCode } from '../../server/domain/operators/totp';
import { hitSteps, type RateLimitRule } from '../../server/domain/rate-limits/rate-limit';
import { endSessionSteps, liveSessionSteps, openSessionSteps, type SessionPolicy } from '../../server/domain/sessions/sessions';
import { runOnce } from '../../server/jobs/run-once';
import { drainWith, type OutboxLoop } from '../../server/mail/outbox-worker';
import type { OutgoingMail } from '../../server/mail/transport';
import { fixedClock } from '../../server/lib/clock';
import type { AppError } from '../../server/lib/errors';
import type { AppContext } from '../../server/web/context';
import { lookupMissLimiter, mailFormLimiter } from '../../server/web/middleware/db-rate-limits';
import { sha256 } from '../../server/lib/ids';
import { createLogger } from '../../server/lib/logger';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { postgresBackend, sqliteBackend, type SharedBackend, type SharedServer } from '../support/shared-state-servers';

const T0 = '2026-03-02T09:00:00.000Z';
const logger = createLogger('silent');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sharedStateTests(open: () => Promise<SharedBackend>) {
  let backend: SharedBackend;
  let servers: SharedServer[];
  beforeAll(async () => {
    backend = await open();
    servers = [backend.a, backend.b];
  }, 120_000);
  afterAll(async () => backend?.close());

  it('two servers count one rate-limit window together and refuse the (limit+1)th hit', async () => {
    const rule: RateLimitRule = { name: 'signin-address', limit: 5, windowMs: 15 * 60_000 };
    const now = new Date(T0).getTime();
    const hits = await Promise.all(Array.from({ length: rule.limit }, (_, i) => servers[i % 2]!.rateLimits((s) => hitSteps(s, rule, '203.0.113.7', now))));
    expect(hits.map((h) => h.count).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5]);
    expect(hits.every((h) => h.allowed)).toBe(true);
    const sixth = await backend.b.rateLimits((s) => hitSteps(s, rule, '203.0.113.7', now + 1000));
    expect(sixth).toMatchObject({ count: 6, allowed: false });
    // Another address has its own bucket.
    expect(await backend.a.rateLimits((s) => hitSteps(s, rule, '203.0.113.8', now))).toMatchObject({ count: 1, allowed: true });
  });

  it('the app’s limiter middleware, given each server’s runner, limits across both servers over HTTP', async () => {
    const clock = fixedClock(T0);
    // Two apps, as two servers: only the runner of rate-limit units differs from the SQLite app's.
    const listening = await Promise.all(
      servers.map(async (server) => {
        const ctx = { clock, logger, rateLimitUnits: server.rateLimits } as unknown as AppContext;
        const app = express();
        app.set('trust proxy', true);
        app.post('/reset', mailFormLimiter(ctx, 'reset-address', 3), (_req, res) => void res.send('ok'));
        app.get('/voucher/:code', lookupMissLimiter(ctx, 'voucher-miss', 2, 60_000), (req, res) => void res.status(req.params.code === 'good' ? 200 : 404).send('-'));
        app.use((err: AppError, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(err.status ?? 500).send(err.code));
        const http = app.listen(0, '127.0.0.1');
        await new Promise((r) => http.once('listening', r));
        return { http, url: `http://127.0.0.1:${(http.address() as { port: number }).port}` };
      }),
    );
    try {
      const call = (i: number, path: string, method = 'GET') => fetch(`${listening[i % 2]!.url}${path}`, { method, headers: { 'x-forwarded-for': '198.51.100.4' } });
      const statuses = await Promise.all([0, 1, 2].map((i) => call(i, '/reset', 'POST').then((r) => r.status)));
      expect(statuses).toEqual([200, 200, 200]);
      const fourth = await call(1, '/reset', 'POST');
      expect(fourth.status).toBe(429);
      expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
      // Misses count across servers; a found voucher takes its count back (after the answer).
      expect((await call(0, '/voucher/bad')).status).toBe(404);
      expect((await call(1, '/voucher/good')).status).toBe(200);
      await pause(300);
      expect((await call(1, '/voucher/bad')).status).toBe(404);
      expect((await call(0, '/voucher/bad')).status).toBe(429);
    } finally {
      for (const l of listening) l.http.close();
    }
  });

  it('counts a burst of hits from both servers exactly (no lost update)', async () => {
    const rule: RateLimitRule = { name: 'burst', limit: 10, windowMs: 60_000 };
    const now = new Date(T0).getTime();
    const hits = await Promise.all(Array.from({ length: 30 }, (_, i) => servers[i % 2]!.rateLimits((s) => hitSteps(s, rule, 'k', now))));
    expect(hits.map((h) => h.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(hits.filter((h) => h.allowed)).toHaveLength(10);
  });

  it('authenticates a key on either server, counts its failed lookups from both and locks it (on both) at the threshold', async () => {
    await backend.exec(`INSERT INTO api_keys (id, kind, merchant_id, prefix, key_hash, label, created_at, failure_count) VALUES ('key1', 'admin', NULL, 'bk_admin_x', ?, 'test', ?, 0)`, [sha256('bk_admin_one'), T0]);
    const now = new Date(T0);
    const auth = (server: SharedServer) => (async () => server.keys((s) => keyAuthSteps(s, 'bk_admin_one', 'admin', now)))();
    await expect(auth(backend.b)).resolves.toMatchObject({ id: 'key1', lastUsedAt: null });
    expect(await backend.scalar(`SELECT last_used_at FROM api_keys WHERE id = 'key1'`)).toBe(T0);
    await Promise.all(Array.from({ length: FAILURES_BEFORE_LOCK - 1 }, (_, i) => servers[i % 2]!.keys((s) => lookupFailureSteps(s, 'key1', now))));
    expect(Number(await backend.scalar(`SELECT failure_count FROM api_keys WHERE id = 'key1'`))).toBe(FAILURES_BEFORE_LOCK - 1);
    expect(await backend.a.keys((s) => s.lockedUntil('key1'))).toBeNull();
    await backend.b.keys((s) => lookupFailureSteps(s, 'key1', now));
    const locked = await backend.a.keys((s) => s.lockedUntil('key1'));
    expect(locked).not.toBeNull();
    expect(new Date(locked!).getTime()).toBeGreaterThan(now.getTime());
    for (const server of servers) await expect(auth(server)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('a key revoked through one server is refused by the other at its next call', async () => {
    await backend.exec(`INSERT INTO api_keys (id, kind, merchant_id, prefix, key_hash, label, created_at, failure_count) VALUES ('key2', 'admin', NULL, 'bk_admin_y', ?, 'test', ?, 0)`, [sha256('bk_admin_two'), T0]);
    const now = new Date(T0);
    const auth = (server: SharedServer) => (async () => server.keys((s) => keyAuthSteps(s, 'bk_admin_two', 'admin', now)))();
    await expect(auth(backend.b)).resolves.toMatchObject({ id: 'key2' });
    await expect((async () => backend.a.keys((s) => keyAuthSteps(s, 'bk_admin_two', 'merchant', now)))()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await backend.exec(`UPDATE api_keys SET revoked_at = ? WHERE id = 'key2'`, [T0]);
    for (const server of servers) await expect(auth(server)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('accepts a TOTP code once across two servers', async () => {
    const secret = newTotpSecret();
    await backend.exec(`INSERT INTO operator_users (id, email, name, role, totp_secret, created_at) VALUES ('op1', 'op1@example.org', 'Op', 'admin', ?, ?)`, [secret, T0]);
    const now = new Date(T0);
    const code = totpCode(secret, stepAt(now));
    const user = { id: 'op1', totpSecret: secret };
    // Async wrappers: on SQLite a refused code throws synchronously.
    const tries = await Promise.allSettled(servers.flatMap((server) => [0, 1].map(async () => server.totp((s) => secondFactorSteps(s, user, code, now)))));
    expect(tries.filter((t) => t.status === 'fulfilled')).toHaveLength(1);
    for (const t of tries) if (t.status === 'rejected') expect(t.reason).toMatchObject({ code: 'INVALID_TOTP' });
    // Replayed later on either server: refused; the next step's code is accepted.
    await expect((async () => backend.b.totp((s) => secondFactorSteps(s, user, code, now)))()).rejects.toMatchObject({ code: 'INVALID_TOTP' });
    const later = new Date(now.getTime() + 30_000);
    await expect((async () => backend.b.totp((s) => secondFactorSteps(s, user, totpCode(secret, stepAt(later)), later)))()).resolves.toBeUndefined();
  });

  it('one TOTP code typed at two servers at once opens one operator session', async () => {
    const secret = newTotpSecret();
    await backend.exec(`INSERT INTO operator_users (id, email, name, role, totp_secret, created_at) VALUES ('op2', 'op2@example.org', 'Op', 'admin', ?, ?)`, [secret, T0]);
    const now = new Date(T0);
    const user = { id: 'op2', totpSecret: secret };
    const code = totpCode(secret, stepAt(now));
    const tries = await Promise.allSettled(servers.map(async (server, i) => server.signIn((s) => operatorSessionSteps(s, user, code, `op2-token-${i}`, now))));
    expect(tries.map((t) => t.status).sort()).toEqual(['fulfilled', 'rejected']);
    // The refused sign-in left no session behind (its unit rolled back).
    expect(Number(await backend.scalar(`SELECT COUNT(*) FROM sessions WHERE user_id = 'op2'`))).toBe(1);
  });

  it('a session opened on one server is valid on the other; once revoked, on neither', async () => {
    const policy: SessionPolicy = { ttlMs: 8 * 3600_000, slide: { idleMs: 8 * 3600_000, maxMs: 12 * 3600_000, extendEveryMs: 60_000 } };
    const now = new Date(T0);
    await backend.a.sessions((s) => openSessionSteps(s, 'operator', 'op1', 'token-1', now, policy));
    const later = new Date(now.getTime() + 3600_000);
    const seen = await backend.b.sessions((s) => liveSessionSteps(s, 'operator', 'token-1', later, policy));
    expect(seen).toMatchObject({ userId: 'op1', realm: 'operator', expiresAt: new Date(later.getTime() + 8 * 3600_000).toISOString() });
    // The slide written by B is what A reads; the other realm never sees the token.
    expect(await backend.a.sessions((s) => liveSessionSteps(s, 'operator', 'token-1', later, policy))).toMatchObject({ expiresAt: seen!.expiresAt });
    expect(await backend.a.sessions((s) => liveSessionSteps(s, 'shop', 'token-1', later, { ttlMs: 1 }))).toBeNull();
    await backend.a.sessions((s) => endSessionSteps(s, 'operator', 'token-1'));
    for (const server of servers) expect(await server.sessions((s) => liveSessionSteps(s, 'operator', 'token-1', later, policy))).toBeNull();
  });

  it('a leased job runs once when two schedulers fire at the same instant, and again once its dead holder’s lease ran out', async () => {
    const clock = fixedClock(T0);
    const slot = new Date(T0);
    const leaseMs = 60_000;
    const runs: string[] = [];
    const task = (who: string) => async () => {
      runs.push(who);
      await pause(50);
    };
    const outcomes = await Promise.all(servers.map((server, i) => runOnce({ leases: server.leases, clock, logger, holder: `server-${i}`, leaseMs }, 'weekly-settlement', slot, task(`server-${i}`))));
    expect(runs).toHaveLength(1);
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    // The slot is done: firing again runs nothing, on either server.
    for (const [i, server] of servers.entries()) expect(await runOnce({ leases: server.leases, clock, logger, holder: `server-${i}`, leaseMs }, 'weekly-settlement', slot, task('again'))).toEqual({ ran: false, reason: 'done' });

    // A holder that dies mid-run: it claimed the next slot and never renewed nor finished.
    const next = new Date(slot.getTime() + 7 * 86400_000);
    clock.set(next);
    expect(await backend.a.leases((s) => s.claim('weekly-settlement', 'dead-server', next.getTime(), next.getTime(), next.getTime() + leaseMs))).toBe(true);
    const busy = await runOnce({ leases: backend.b.leases, clock, logger, holder: 'server-1', leaseMs }, 'weekly-settlement', next, task('too-early'));
    expect(busy).toEqual({ ran: false, reason: 'busy', retryAt: next.getTime() + leaseMs });
    clock.advance(leaseMs);
    expect(await runOnce({ leases: backend.b.leases, clock, logger, holder: 'server-1', leaseMs }, 'weekly-settlement', next, task('takeover'))).toEqual({ ran: true });
    expect(runs.slice(1)).toEqual(['takeover']);
  });

  it('two outbox workers claiming at once send each mail exactly once; a crashed worker’s claim is retried after its expiry', async () => {
    const clock = fixedClock(T0);
    const count = 40;
    for (let i = 0; i < count; i++) {
      await backend.exec(
        `INSERT INTO outbox_messages (id, kind, recipient, payload, status, attempts, next_attempt_at, created_at) VALUES (?, 'merchant_rejected', ?, '{}', 'pending', 0, ?, ?)`,
        [`m${String(i).padStart(3, '0')}`, `shop${i}@example.org`, T0, T0],
      );
    }
    const sent: string[] = [];
    const loop = (server: SharedServer): OutboxLoop => ({
      outbox: server.outbox,
      clock,
      logger,
      from: 'noreply@example.org',
      render: async (msg): Promise<OutgoingMail> => ({ to: msg.recipient, subject: msg.id, text: msg.id, html: `<p>${msg.id}</p>` }),
      transport: {
        kind: 'files',
        send: async (mail) => {
          await pause(2);
          sent.push(mail.subject);
        },
      },
    });
    const drainAll = async (server: SharedServer) => {
      let total = 0;
      for (;;) {
        const r = await drainWith(loop(server), 5);
        total += r.sent;
        if (r.sent + r.failed === 0) return total;
      }
    };
    const [byA, byB] = await Promise.all([drainAll(backend.a), drainAll(backend.b)]);
    expect(byA + byB).toBe(count);
    expect(sent).toHaveLength(count);
    expect(new Set(sent).size).toBe(count);
    expect(Number(await backend.scalar(`SELECT COUNT(*) FROM outbox_messages WHERE status = 'sent' AND attempts = 1`))).toBe(count);

    // A worker claims three new mails and dies before sending them.
    for (const id of ['c1', 'c2', 'c3']) {
      await backend.exec(`INSERT INTO outbox_messages (id, kind, recipient, payload, status, attempts, next_attempt_at, created_at) VALUES (?, 'merchant_rejected', 'x@example.org', '{}', 'pending', 0, ?, ?)`, [id, T0, T0]);
    }
    const leaseMs = 2 * 60_000; // the worker's claim lease (outbox-worker.ts)
    const claimed = await backend.a.outbox((s) => s.claimDue(clock.now(), leaseMs, 10));
    expect(claimed.map((m) => m.id).sort()).toEqual(['c1', 'c2', 'c3']);
    sent.length = 0;
    expect(await drainWith(loop(backend.b))).toEqual({ sent: 0, failed: 0 });
    clock.advance(leaseMs);
    expect(await drainWith(loop(backend.b))).toEqual({ sent: 3, failed: 0 });
    expect(sent.sort()).toEqual(['c1', 'c2', 'c3']);
    expect(Number(await backend.scalar(`SELECT COUNT(*) FROM outbox_messages WHERE id IN ('c1', 'c2', 'c3') AND status = 'sent' AND attempts = 2`))).toBe(3);
  });
}

describe('several servers on one SQLite file (two connections)', () => {
  sharedStateTests(sqliteBackend);
});

// Skips only where PostgreSQL is not installed, with a printed notice; REQUIRE_POSTGRES=1
// (set by .ci/run) makes postgresAvailable() throw instead, so in CI this runs or fails.
describe.skipIf(!postgresAvailable())('several servers on one PostgreSQL (two pools)', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 120_000);
  afterAll(() => cluster?.stop());
  sharedStateTests(() => postgresBackend(cluster, 'shared_state'));

  it('claims every kind on PostgreSQL: tasks run there, gift mails write their « sent » note there', async () => {
    const backend = await postgresBackend(cluster, 'unported_kinds');
    try {
      const at = '2026-11-23T10:00:00.000Z';
      for (const [id, kind] of [['g1', 'voucher_gift'], ['t1', 'password_reset_request'], ['p1', 'merchant_rejected']]) {
        await backend.exec(`INSERT INTO outbox_messages (id, kind, recipient, payload, status, attempts, next_attempt_at, created_at) VALUES (?, ?, 'x@example.org', '{}', 'pending', 0, ?, ?)`, [id, kind, at, at]);
      }
      const claimed = await backend.a.outbox((s) => s.claimDue(new Date('2026-11-23T11:00:00Z'), 120_000, 10));
      expect(claimed.map((m) => m.id).sort()).toEqual(['g1', 'p1', 't1']);
    } finally {
      await backend.close();
    }
  });
});
