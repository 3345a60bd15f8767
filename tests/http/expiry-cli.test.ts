/**
 * `cli expire` and `cli remind-expiring` in a child process, on a fresh demo database:
 * the contract's JSON line, idempotence, the ledger after, exit code 2 on a bad --now.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { demoSales } from '../../db/seed/demo-data';

describe('cli expire', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-expire-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function cli(args: string[]) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
      env: { ...process.env, BASE_URL: 'http://localhost:3000', DATABASE_URL: `file:${join(dir, 'app.db')}`, DATA_DIR: dir, NODE_ENV: 'test' },
      encoding: 'utf8',
    });
    const lastLine = r.stdout.trim().split('\n').at(-1) ?? '';
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: args.includes('--json') && lastLine.startsWith('{') ? JSON.parse(lastLine) : null };
  }

  it('expires the demo vouchers a year and more later, once; reminds; the ledger stays clean', () => {
    expect(cli(['seed-demo', '--json']).code).toBe(0);
    expect(cli(['expire', '--now', new Date().toISOString(), '--json'])).toMatchObject({ code: 0, json: { expired: { vouchers: 0, cents: 0, byCampaign: [] } } });
    const reminded = cli(['remind-expiring', '--now', new Date(Date.now() + 170 * 86_400_000).toISOString(), '--json']);
    expect(reminded.code).toBe(0);
    // Only the Christmas campaign's vouchers (180 days) are within 30 days of expiry by then.
    expect(reminded.json.reminded.vouchers).toBe(demoSales.find(([slug]) => slug === 'noel-fecamp')![1].length);

    // What is left on the demo vouchers (the demo seed also spends some of them in shops).
    const db = new Database(join(dir, 'app.db'), { readonly: true });
    const left = db.prepare(`SELECT c.slug, COUNT(*) AS n, SUM(v.balance_cents) AS cents FROM vouchers v JOIN campaigns c ON c.id = v.campaign_id WHERE v.balance_cents > 0 GROUP BY c.slug`).all() as { slug: string; n: number; cents: number }[];
    db.close();
    const cents = (slug: string) => left.find((l) => l.slug === slug)!.cents;
    const count = (slug: string) => left.find((l) => l.slug === slug)!.n;
    expect(cents('seine-estuaire')).toBeLessThan(demoSales.find(([s]) => s === 'seine-estuaire')![1].reduce((a, b) => a + b, 0));

    const later = new Date(Date.now() + 400 * 86_400_000).toISOString();
    const r = cli(['expire', '--now', later, '--json']);
    expect(r.code).toBe(0);
    expect(r.json).toEqual({
      expired: {
        vouchers: count('seine-estuaire') + count('noel-fecamp'),
        cents: cents('seine-estuaire') + cents('noel-fecamp'),
        byCampaign: [
          { campaign: 'noel-fecamp', vouchers: count('noel-fecamp'), cents: cents('noel-fecamp'), rule: 'operator', fallback: false },
          { campaign: 'seine-estuaire', vouchers: count('seine-estuaire'), cents: cents('seine-estuaire'), rule: 'operator', fallback: false },
        ],
      },
      now: later,
    });
    // Again, later still (a date alone: the start of that Paris day): nothing new.
    const again = cli(['expire', '--now', '2099-01-01']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to expire as of 2098-12-31T23:00:00.000Z');
    expect(cli(['check-ledger', '--json'])).toMatchObject({ code: 0, json: { ok: true } });
  });

  it('exits 2 on a bad --now', () => {
    for (const [command, bad] of [['expire', 'yesterday'], ['expire', '2027-11-24T10:00'], ['remind-expiring', '2027-02-30']] as const) {
      const b = cli([command, '--now', bad, '--json']);
      expect(b.code, bad).toBe(2);
      expect(b.stderr).toContain('--now: an ISO-8601 instant');
      expect(b.stdout).toBe('');
    }
  });
});
