/**
 * Voucher expiry — the breakage money path — run by the same chunk steps on SQLite and on
 * PostgreSQL (issue 14), from the same data (tests/support/till-backends.ts): what is left on
 * due vouchers goes to breakage once, in chunks, with the books clean after; two runs at once
 * and tills redeeming meanwhile never expire a voucher twice nor lose a cent. `cli expire` on
 * a postgres:// DATABASE_URL runs the same service. PostgreSQL skips only where it is not
 * installed, with a printed notice; REQUIRE_POSTGRES=1 (set by .ci/run) makes that a failure.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireVouchers, type ExpiryDeps } from '../../server/domain/vouchers/expiry-service';
import { fixedClock } from '../../server/lib/clock';
import { AppError } from '../../server/lib/errors';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { tillFixture, type Backend, type TillFixture } from '../support/till-backends';

const clock = fixedClock('2026-11-23T10:00:00Z');
// Past every demo and bought voucher's validity.
const LATER = new Date('2031-01-01T00:00:00Z');
const backends: Backend[] = postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];
const VALUES = Array.from({ length: 12 }, (_, i) => (10 + i) * 100);

describe.each(backends)('voucher expiry on %s', (backend) => {
  let cluster: PgCluster | undefined;
  let f: TillFixture;
  beforeAll(async () => {
    if (backend === 'postgres') cluster = await startPostgres();
    f = await tillFixture(backend, { clock, values: VALUES, cluster });
  }, 120_000);
  afterAll(async () => {
    await f?.close();
    cluster?.stop();
  });
  const deps = (): ExpiryDeps => (f.pg ? { postgres: f.pg, clock } : { database: f.database!, clock });
  const due = async (now: Date) => ({
    n: Number(await f.scalar(`SELECT COUNT(*) FROM vouchers WHERE balance_cents > 0 AND expires_at < ? AND status IN ('active', 'blocked', 'expired')`, [now.toISOString()])),
    cents: Number(await f.scalar(`SELECT COALESCE(SUM(balance_cents), 0) FROM vouchers WHERE balance_cents > 0 AND expires_at < ? AND status IN ('active', 'blocked', 'expired')`, [now.toISOString()])),
  });

  it('books what is left on due vouchers as breakage, once, in chunks; a second run finds nothing', async () => {
    // A partly spent voucher expires with what is left on it.
    await f.till.redeem({ merchantId: f.shops[0]!, actor: 'test', code: f.vouchers[0]!.code, amountCents: 4_00, idempotencyKey: 'e-1' });
    const mid = new Date('2030-06-01T00:00:00Z');
    const before = await due(mid);
    expect(before.n).toBeGreaterThan(VALUES.length);
    const journals = Number(await f.scalar(`SELECT COUNT(*) FROM journals WHERE kind = 'voucher_expiry'`));
    const r = await expireVouchers(deps(), { now: mid, batchSize: 5 });
    expect(r.vouchers).toBe(before.n);
    expect(r.cents).toBe(before.cents);
    expect(r.byCampaign.reduce((s, c) => s + c.journals, 0)).toBe(Number(await f.scalar(`SELECT COUNT(*) FROM journals WHERE kind = 'voucher_expiry'`)) - journals);
    expect(r.byCampaign.every((c) => c.journals === Math.ceil(c.vouchers / 5))).toBe(true);
    expect(await due(mid)).toEqual({ n: 0, cents: 0 });
    expect(await f.scalar(`SELECT balance_cents FROM vouchers WHERE id = ?`, [f.vouchers[0]!.id])).toBe(0);
    expect(await f.scalar(`SELECT status FROM vouchers WHERE id = ?`, [f.vouchers[0]!.id])).toBe('expired');
    expect(await f.scalar(`SELECT amount_cents FROM movements WHERE voucher_id = ? AND kind = 'expire'`, [f.vouchers[0]!.id])).toBe(-(VALUES[0]! - 4_00));
    expect(await f.books()).toEqual([]);
    expect((await expireVouchers(deps(), { now: mid })).vouchers).toBe(0);
  });

  it('two runs at once with tills redeeming meanwhile: every voucher expired once, every cent accounted for', async () => {
    // New vouchers for this test: the first test expired everything due by 2030-06.
    const fresh = await tillFixtureVouchers();
    const before = await due(LATER);
    expect(before.n).toBeGreaterThanOrEqual(fresh.length);
    const tills = fresh.map((v, i) =>
      f.till.redeem({ merchantId: f.shops[i % f.shops.length]!, actor: 'test', code: v, amountCents: 1_00, idempotencyKey: `race-${i}` }).then(
        () => 1_00,
        (e: unknown) => {
          // The expiry emptied it first: refused, nothing written.
          if (e instanceof AppError && e.code === 'VOUCHER_EXPIRED') return 0;
          throw e;
        },
      ),
    );
    const runs = [expireVouchers(deps(), { now: LATER, batchSize: 3 }), expireVouchers(deps(), { now: LATER, batchSize: 4 })];
    const [redeemed, results] = await Promise.all([Promise.all(tills), Promise.all(runs)]);
    const spent = redeemed.reduce((s, c) => s + c, 0);
    const expired = results.reduce((s, r) => s + r.vouchers, 0);
    const breakage = results.reduce((s, r) => s + r.cents, 0);
    expect(expired).toBe(before.n);
    expect(breakage + spent).toBe(before.cents);
    expect(await f.scalar(`SELECT COUNT(*) FROM (SELECT voucher_id FROM movements WHERE kind = 'expire' GROUP BY voucher_id HAVING COUNT(*) > 1) x`)).toBe(0);
    expect(await due(LATER)).toEqual({ n: 0, cents: 0 });
    expect(await f.books()).toEqual([]);
  }, 120_000);

  /** Vouchers valid past 2030-06 (bought "later" through the till fixture's database): their codes. */
  async function tillFixtureVouchers(): Promise<string[]> {
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const code = await f.scalar(`SELECT code FROM vouchers WHERE expires_at >= ? ORDER BY id LIMIT 1 OFFSET ${i}`, ['2030-06-01T00:00:00Z']);
      if (code) codes.push(code as string);
    }
    return codes;
  }

  it.runIf(backend === 'postgres')('`cli expire` on a postgres:// DATABASE_URL runs the same service', async () => {
    // A database of its own: the tests above left nothing due.
    const own = await tillFixture('postgres', { clock, values: [10_00, 25_00], cluster, dbName: 'cli_expire' });
    try {
      const count = async () => Number(await own.scalar(`SELECT COUNT(*) FROM vouchers WHERE balance_cents > 0 AND expires_at < ?`, [LATER.toISOString()]));
      const cents = Number(await own.scalar(`SELECT SUM(balance_cents) FROM vouchers WHERE balance_cents > 0 AND expires_at < ?`, [LATER.toISOString()]));
      const n = await count();
      expect(n).toBeGreaterThanOrEqual(2);
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'expire', '--now', LATER.toISOString(), '--json'], {
        env: { ...process.env, BASE_URL: 'http://localhost:3000', DATABASE_URL: own.url!, NODE_ENV: 'test' },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ expired: { vouchers: n, cents } });
      expect(await count()).toBe(0);
      expect(await own.books()).toEqual([]);
    } finally {
      await own.close();
    }
  }, 120_000);
});
