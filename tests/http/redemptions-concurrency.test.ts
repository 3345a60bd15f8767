/**
 * Parallel redemptions on one voucher: never below zero, every refusal is
 * INSUFFICIENT_BALANCE, the same idempotency key debits once — in one process, then
 * across two real server processes sharing one SQLite file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { migrateDatabase, openDatabase } from '../../db/client';
import { seedDemo } from '../../db/seed/demo';
import { systemClock } from '../../server/lib/clock';
import { rowOf } from '../support/backend-query';
import { ledgerBreaches as booksOf } from '../support/ledger-check';
import { paidVoucher, paidVoucherOn, shopKeyOn, type BuiltVoucher } from '../support/builders';
import { startTestApp, type TestApp } from '../support/test-app';
import { childEnv, startServerProcess, type ServerProcess } from '../support/server-process';

const run = promisify(execFile);
const VALUE = 50_00;
const AMOUNT = 3_00;
const FITS = Math.floor(VALUE / AMOUNT); // 16 redemptions of 3 € fit in 50 €

interface Outcome {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
  server: string;
}

async function post(base: string, key: string, body: unknown): Promise<Outcome> {
  const res = await fetch(`${base}/api/v1/redemptions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text, server: base };
}

/** What every parallel burst must satisfy, whatever the interleaving. */
function expectConsistentBurst(results: Outcome[], finalBalance: number) {
  const ok = results.filter((r) => r.status === 201);
  const refused = results.filter((r) => r.status !== 201);
  const debited = ok.reduce((s, r) => s + r.body.redemption.amountCents, 0);
  expect(debited).toBeLessThanOrEqual(VALUE);
  expect(refused.map((r) => `${r.status} ${r.body.error?.code}`)).toEqual(refused.map(() => '409 INSUFFICIENT_BALANCE'));
  expect(finalBalance).toBe(VALUE - debited);
  // Refusals only once the money was really gone: nothing was refused by mistake.
  expect(finalBalance).toBeLessThan(AMOUNT);
  expect(ok).toHaveLength(FITS);
  // Each success saw its own step of the balance: the debits were serialised.
  expect(ok.map((r) => r.body.voucher.balanceCents).sort((a, b) => b - a)).toEqual(Array.from({ length: FITS }, (_, i) => VALUE - (i + 1) * AMOUNT));
  expect(new Set(ok.map((r) => r.body.redemption.id)).size).toBe(FITS);
  return { ok, refused, debited };
}

function expectSingleDebit(results: Outcome[]) {
  const created = results.filter((r) => r.status === 201);
  const replayed = results.filter((r) => r.status === 200);
  expect(created).toHaveLength(1);
  expect(replayed).toHaveLength(results.length - 1);
  for (const r of replayed) expect(r.text).toBe(created[0]!.text);
}

describe('parallel redemptions in one process', () => {
  let app: TestApp;
  let key: string;
  beforeAll(async () => {
    app = await startTestApp();
    key = (await shopKeyOn(app, 'librairie-la-galerne')).key;
  });
  afterAll(() => app?.close());
  // The stored row, on the app's backend.
  const voucherState = async (id: string) => (await rowOf<{ balance: number; status: string }>(app, `SELECT balance_cents AS balance, status FROM vouchers WHERE id = @id`, { id }))!;

  it('40 parallel 3 € redemptions on a 50 € voucher: never below zero, refusals are INSUFFICIENT_BALANCE', async () => {
    const v = await paidVoucherOn(app, VALUE);
    const results = await Promise.all(Array.from({ length: 40 }, () => post(app.url, key, { code: v.formatted, amountCents: AMOUNT, idempotencyKey: `burst-${randomUUID()}` })));
    const state = await voucherState(v.id);
    const { debited } = expectConsistentBurst(results, state.balance);
    expect(state.status).toBe('active');
    const rows = await rowOf(app, `SELECT COUNT(*) AS n, SUM(amount_cents) AS sum FROM redemptions WHERE voucher_id = @id`, { id: v.id });
    expect(rows).toEqual({ n: FITS, sum: debited });
    expect(await booksOf(app)).toEqual([]);
  });

  it('the same idempotency key fired 10 times in parallel debits exactly once', async () => {
    const v = await paidVoucherOn(app, VALUE);
    const body = { code: v.code, amountCents: 7_00, idempotencyKey: `same-${randomUUID()}` };
    const results = await Promise.all(Array.from({ length: 10 }, () => post(app.url, key, body)));
    expectSingleDebit(results);
    expect((await voucherState(v.id)).balance).toBe(VALUE - 7_00);
    expect(await rowOf(app, `SELECT COUNT(*) AS n FROM movements WHERE voucher_id = @id AND kind = 'redeem'`, { id: v.id })).toEqual({ n: 1 });
    expect(await booksOf(app)).toEqual([]);
  });
});

describe('parallel redemptions through two server processes on one database file', () => {
  let dir: string;
  let dbFile: string;
  let key: string;
  let burst: BuiltVoucher;
  let retried: BuiltVoucher;
  const servers: ServerProcess[] = [];
  const env = () => childEnv({ DATABASE_URL: `file:${dbFile}`, DATA_DIR: dir, SESSION_SECRET: 'redemption-processes-secret-of-32-chars' });
  const cli = async (...args: string[]) => {
    const r = await run('npm', ['run', '-s', 'cli', '--', ...args, '--json'], { env: env() });
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'redemption-processes-'));
    dbFile = join(dir, 'shared.db');
    // The data exists before either server starts: demo seed and paid vouchers through the services…
    const database = openDatabase(`file:${dbFile}`);
    try {
      migrateDatabase(database);
      await seedDemo(database, systemClock.now());
      burst = await paidVoucher({ database, clock: systemClock }, VALUE);
      retried = await paidVoucher({ database, clock: systemClock }, VALUE);
    } finally {
      await database.close();
    }
    // …and the shop's key through the operator's CLI.
    const created = await cli('create-api-key', '--merchant', 'librairie-la-galerne', '--label', 'two processes');
    expect(created).toMatchObject({ kind: 'merchant', merchant: 'librairie-la-galerne' });
    key = created.key;

    servers.push(...(await Promise.all([startServerProcess(env()), startServerProcess(env())])));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('48 parallel 3 € redemptions split between the two processes never overdraw the 50 € voucher', async () => {
    // 24 per process: even if all of one process's refusals land there, it stays below the
    // per-IP failed-lookup limit (30 / 10 min by default), which counts every 4xx.
    const results = await Promise.all(
      Array.from({ length: 48 }, (_, i) => post(servers[i % 2]!.url, key, { code: burst.formatted, amountCents: AMOUNT, idempotencyKey: `two-proc-${i}-${randomUUID()}` })),
    );
    const db = new Database(dbFile, { readonly: true });
    try {
      const balance = (db.prepare('SELECT balance_cents AS b FROM vouchers WHERE id = ?').get(burst.id) as { b: number }).b;
      const { debited } = expectConsistentBurst(results, balance);
      expect(db.prepare('SELECT COUNT(*) AS n, SUM(amount_cents) AS sum FROM redemptions WHERE voucher_id = ?').get(burst.id)).toEqual({ n: FITS, sum: debited });
      expect(db.prepare(`SELECT COUNT(*) AS n FROM movements WHERE voucher_id = ?`).get(burst.id)).toEqual({ n: 1 + FITS });
    } finally {
      db.close();
    }
    // Both processes answered (the split really happened).
    for (const s of servers) expect(results.filter((r) => r.server === s.url)).toHaveLength(24);

    // Each process sees the other's writes.
    for (const s of servers) {
      const r = await fetch(`${s.url}/api/v1/vouchers/${burst.code}`, { headers: { authorization: `Bearer ${key}` } });
      expect((await r.json()).voucher.balanceCents).toBe(VALUE - FITS * AMOUNT);
    }
    expect(await cli('check-ledger')).toMatchObject({ ok: true, breaches: [] });
  });

  it('the same idempotency key sent 10 times to both processes at once debits exactly once', async () => {
    const body = { code: retried.code, amountCents: 12_34, idempotencyKey: `two-proc-same-${randomUUID()}` };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => post(servers[i % 2]!.url, key, body)));
    expectSingleDebit(results);
    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT balance_cents AS b FROM vouchers WHERE id = ?').get(retried.id)).toEqual({ b: VALUE - 12_34 });
      expect(db.prepare(`SELECT COUNT(*) AS n FROM redemptions WHERE voucher_id = ?`).get(retried.id)).toEqual({ n: 1 });
    } finally {
      db.close();
    }
    expect(await cli('check-ledger')).toMatchObject({ ok: true, breaches: [] });
  });
});
