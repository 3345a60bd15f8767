import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], dbFile = join(dir, 'app.db')) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    env: { ...process.env, BASE_URL: 'http://localhost:3000', DATABASE_URL: `file:${dbFile}`, DATA_DIR: dir, NODE_ENV: 'test' },
    encoding: 'utf8',
  });
  const lastLine = r.stdout.trim().split('\n').at(-1) ?? '';
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: args.includes('--json') && lastLine.startsWith('{') ? JSON.parse(lastLine) : null };
}

describe('operator CLI', () => {
  it('migrates, seeds once, and checks the ledger', () => {
    expect(cli(['migrate', '--json'])).toMatchObject({ code: 0, json: { migrated: true } });
    expect(cli(['seed-demo', '--json'])).toMatchObject({ code: 0, json: { seeded: true, campaignSlug: 'seine-estuaire', merchantCount: 13 } });
    expect(cli(['seed-demo', '--json'])).toMatchObject({ code: 1, json: { seeded: false } });
    expect(cli(['check-ledger', '--json'])).toMatchObject({ code: 0, json: { ok: true, breaches: [] } });
    expect(cli(['check-ledger']).stdout).toContain('ledger ok');
  });

  it('exits 1 and lists breaches when an invariant fails', () => {
    const db = new Database(join(dir, 'app.db'));
    db.prepare(`UPDATE vouchers SET balance_cents = balance_cents + 1 WHERE rowid = (SELECT MIN(rowid) FROM vouchers)`).run();
    db.close();
    const r = cli(['check-ledger', '--json']);
    expect(r.code).toBe(1);
    expect(r.json.ok).toBe(false);
    expect(r.json.breaches.map((b: { invariant: string }) => b.invariant)).toContain('voucher_balance_equals_movements');
    const fix = new Database(join(dir, 'app.db'));
    fix.prepare(`UPDATE vouchers SET balance_cents = balance_cents - 1 WHERE rowid = (SELECT MIN(rowid) FROM vouchers)`).run();
    fix.close();
  });

  it('writes a consistent backup that passes the same checks', () => {
    const to = join(dir, 'backup.db');
    expect(cli(['backup', '--to', to, '--json'])).toMatchObject({ code: 0, json: { backup: to } });
    expect(existsSync(to)).toBe(true);
    expect(cli(['check-ledger', '--json'], to)).toMatchObject({ code: 0, json: { ok: true } });
  });

  it('exits 2 on bad usage', () => {
    expect(cli(['frobnicate']).code).toBe(2);
    expect(cli([]).code).toBe(2);
    expect(cli(['backup']).code).toBe(2);
    expect(cli(['check-ledger', '--bogus']).code).toBe(2);
  });
});
