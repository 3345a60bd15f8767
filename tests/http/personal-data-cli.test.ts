import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { liabilityReport } from '../../server/reports/liability';
import { postOrder } from '../support/builders';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 15: the same data-subject request answered from the command line (`cli personal-data`),
 * logged as `cli`, exit 1 when refused. (Kept to three processes: each CLI start costs seconds; refusals are tested over HTTP.)
 */
const NAME = 'Yasmine Terminal';
const EMAIL = 'yasmine.terminal@example.net';
const clock = fixedClock('2026-03-02T09:00:00Z');
let app: TestApp;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    env: { ...process.env, NODE_ENV: 'test', BASE_URL: 'http://localhost:3000', DATABASE_URL: `file:${join(app.dataDir, 'app.db')}`, DATA_DIR: app.dataDir },
    encoding: 'utf8',
  });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: last.startsWith('{') ? JSON.parse(last) : null };
}

beforeAll(async () => {
  app = await startTestApp({ clock });
  // A pending card order: her name and email on the order and in the queued mail-to-come.
  const res = await postOrder(app.url, { paymentMethod: 'card', buyer: { type: 'individual', name: NAME, email: EMAIL }, items: [{ amountCents: 20_00, quantity: 1, recipientName: 'Zoé Ami', recipientEmail: 'zoe.ami@example.net', message: `De la part de ${NAME}` }] });
  expect(res.status).toBe(201);
}, 60_000);
afterAll(() => app?.close());

describe('cli personal-data', () => {
  it('exports to a file, erases, sets a retention', () => {
    const liability = liabilityReport(app.database, clock.now());
    const out = join(app.dataDir, 'export.json');
    const exported = cli(['personal-data', 'export', '--email', EMAIL, '--out', out, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    const data = JSON.parse(readFileSync(out, 'utf8'));
    expect(data.orders).toHaveLength(1);
    expect(data.orders[0]).toMatchObject({ buyerName: NAME, buyerEmail: EMAIL });

    const erased = cli(['personal-data', 'erase', '--email', EMAIL, '--reason', 'courrier du 1er mars', '--json']);
    expect(erased.code, erased.stderr).toBe(0);
    expect(erased.json.erased).toMatchObject({ orders: 1, subject: expect.stringMatching(/^sha256:/) });
    const dump = JSON.stringify(app.database.sqlite.prepare(`SELECT * FROM orders`).raw().all()) + JSON.stringify(app.database.sqlite.prepare(`SELECT * FROM order_items`).raw().all());
    expect(dump).not.toContain(EMAIL);
    expect(dump).not.toContain(NAME);
    expect(app.database.sqlite.prepare(`SELECT actor FROM audit_log WHERE action = 'personal_data_erase'`).pluck().get()).toBe('cli');

    expect(cli(['personal-data', 'retention', '--campaign', 'seine-estuaire', '--months', '36']).code).toBe(0);
    expect(app.database.sqlite.prepare(`SELECT personal_data_retention_months FROM campaigns WHERE slug = 'seine-estuaire'`).pluck().get()).toBe(36);
    expect(liabilityReport(app.database, clock.now())).toEqual(liability);
    expect(checkLedger(app.database)).toEqual([]);
  }, 60_000);
});
