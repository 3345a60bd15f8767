/**
 * Issue 14, "several processes", with real processes: two server processes
 * (tests/support/shared-state-child.ts), each with its own pool on one PostgreSQL database,
 * started together on the same work: hits on one rate-limit bucket, the same planned run of
 * a leased job, and the same outbox of due mails. Whatever the interleaving: the hits are
 * counted together (each count given once, exactly `limit` allowed), the job runs once, and
 * every mail is sent once by one of the two.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, migratePostgres } from '../../db/postgres';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';

interface ChildResult {
  counts: number[];
  allowed: number;
  ran: boolean;
  sent: string[];
}

function startChild(url: string, hits: number, slot: number, holder: string): { child: ChildProcess; ready: Promise<void>; result: Promise<ChildResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/shared-state-child.ts', url, String(hits), String(slot), holder], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  let markReady: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  child.stdout!.on('data', (d) => {
    out += d;
    if (out.startsWith('ready\n')) markReady();
  });
  const result = new Promise<ChildResult>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.split('\n')[1]!) as ChildResult) : reject(new Error(`child exited ${code}: ${err}`)))),
  );
  return { child, ready, result };
}

// Skips only where PostgreSQL is not installed, with a printed notice; REQUIRE_POSTGRES=1
// (set by .ci/run) makes postgresAvailable() throw instead, so in CI this runs or fails.
describe.skipIf(!postgresAvailable())('two server processes on one PostgreSQL share limits, jobs and the outbox', () => {
  let cluster: PgCluster;
  let url: string;
  beforeAll(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase('shared_processes');
    const client = await connectPostgres(url);
    await migratePostgres(client);
    const due = new Date(Date.now() - 60_000).toISOString();
    for (let i = 0; i < 60; i++) {
      await client.query(
        `INSERT INTO outbox_messages (id, kind, recipient, payload, status, attempts, next_attempt_at, created_at) VALUES ($1, 'merchant_rejected', $2, '{}', 'pending', 0, $3, $3)`,
        [`p${String(i).padStart(3, '0')}`, `shop${i}@example.org`, due],
      );
    }
    await client.end();
  }, 120_000);
  afterAll(() => cluster?.stop());

  it('counts hits together, runs the job once and sends each mail once', async () => {
    const slot = Date.now();
    const children = [startChild(url, 12, slot, 'process-a'), startChild(url, 12, slot, 'process-b')];
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin!.end('go\n');
    const [a, b] = await Promise.all(children.map((c) => c.result));
    expect([...a!.counts, ...b!.counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(a!.allowed + b!.allowed).toBe(10);
    expect([a!.ran, b!.ran].filter(Boolean)).toHaveLength(1);
    const sent = [...a!.sent, ...b!.sent];
    expect(sent).toHaveLength(60);
    expect(new Set(sent).size).toBe(60);
  }, 120_000);
});
