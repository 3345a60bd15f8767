import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parisDate } from '../../server/lib/paris-time';
import { liabilityProgram } from '../../server/reports/liability';
import { reconciliationProgram } from '../../server/reports/reconciliation';
import { FEC_COLUMNS } from '../../server/reports/fec';
import { readOn } from '../../server/web/backend-units';
import { rowOf } from '../support/backend-query';
import { expireOn } from '../support/builders-on';
import { buyVouchersOn } from '../support/builders';
import { merchantIdOn, settle as settleOn, take as takeOn } from '../support/settlement';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

const clock = fixedClock('2026-01-05T09:00:00Z');
let app: TestApp;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    // The app's database: its SQLite file, or the PostgreSQL database it runs on.
    env: { ...process.env, NODE_ENV: 'test', BASE_URL: 'http://localhost:3000', DATABASE_URL: app.pg ? app.pg.pool.options.connectionString! : `file:${join(app.dataDir, 'app.db')}`, DATA_DIR: app.dataDir },
    encoding: 'utf8',
  });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: last.startsWith('{') ? JSON.parse(last) : null };
}

beforeAll(async () => {
  app = await startTestApp({ clock });
  // Sales, redemptions in two shops, a settlement (one statement paid), then expiry of the rest.
  const seine = await buyVouchersOn(app, { amountCents: 50_00, quantity: 3 });
  const noel = await buyVouchersOn(app, { amountCents: 20_00, quantity: 2, campaign: 'noel-fecamp' });
  const galerne = await merchantIdOn(app, 'librairie-la-galerne');
  const bijouterie = await merchantIdOn(app, 'bijouterie-falaise');
  await takeOn(app, galerne, seine[0]!.code, 31_40);
  await takeOn(app, bijouterie, noel[0]!.code, 20_00);
  await takeOn(app, bijouterie, seine[1]!.code, 7_77);
  clock.advance(3600_000);
  await settleOn(app, parisDate(clock.now()));
  await takeOn(app, galerne, seine[2]!.code, 1_11); // left unsettled
  clock.advance(2 * 366 * 86_400_000); // past every validity
  await expireOn(app);
}, 60_000);
afterAll(() => app?.close());

describe('reports', () => {
  it('reconciles money in and out per campaign to the cent', async () => {
    const rows = await readOn(app, () => reconciliationProgram(clock.now()));
    for (const r of rows) expect(r.differenceCents, r.slug).toBe(0);
    const seine = rows.find((r) => r.slug === 'seine-estuaire')!;
    expect(seine.moneyOut.redeemedUnsettledCents).toBe(1_11);
    expect(seine.moneyOut.breakageCents).toBeGreaterThan(0);
    expect(seine.moneyOut.commissionCents + seine.moneyOut.shopsPendingNetCents + seine.moneyOut.commissionVatCents).toBe(31_40 + 7_77);
  });

  it('shows outstanding liability with ageing, and nothing left after expiry', async () => {
    const l = await readOn(app, () => liabilityProgram(clock.now()));
    for (const c of l) {
      expect(c.issuedCents - c.redeemedCents - c.expiredCents - c.cancelledCents + c.adjustedCents).toBe(c.outstandingCents);
      const a = c.ageing;
      expect(a.under3MonthsCents + a.from3To6MonthsCents + a.from6To12MonthsCents + a.over12MonthsCents).toBe(c.outstandingCents);
    }
    expect(l.find((c) => c.slug === 'noel-fecamp')!.outstandingCents).toBe(0);
  });

  it('exports the journal as a FEC file: 18 columns, balanced, one line per journal line', async () => {
    const out = join(app.dataDir, 'fec.txt');
    const r = cli(['export-fec', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').replace(/\n$/, '').split('\n');
    expect(lines[0]!.split('\t')).toEqual([...FEC_COLUMNS]);
    const body = lines.slice(1).map((l) => l.split('\t'));
    for (const cols of body) expect(cols).toHaveLength(18);
    const cents = (s: string) => Math.round(Number(s.replace(',', '.')) * 100);
    expect(body.reduce((t, c) => t + cents(c[11]!), 0)).toBe(body.reduce((t, c) => t + cents(c[12]!), 0));
    const journalLines = (await rowOf<{ n: number }>(app, 'SELECT COUNT(*) AS n FROM journal_lines'))!.n;
    expect(body.length).toBe(journalLines);
    expect(new Set(body.map((c) => c[0]))).toEqual(new Set(['VT', 'EN', 'RG', 'OD']));
    // A period: only January 2026 (the sales, redemptions and settlement; not the expiry).
    expect(cli(['export-fec', '--out', out, '--from', '2026-01-01', '--to', '2026-01-31', '--json']).json.lines).toBeLessThan(journalLines);
  });

  it('answers the CLI: reports as JSON, bad usage with exit 2', () => {
    expect(cli(['report', 'reconciliation', '--json'])).toMatchObject({ code: 0, json: { ok: true } });
    expect(cli(['report', 'liability', '--json']).json.liability.length).toBeGreaterThanOrEqual(2);
    expect(cli(['report', 'nonsense']).code).toBe(2);
    expect(cli(['export-fec', '--json']).code).toBe(2);
    expect(cli(['export-fec', '--out', join(app.dataDir, 'x'), '--from', '2026-1-1']).code).toBe(2);
    const csv = join(app.dataDir, 'journal.csv');
    expect(cli(['export-journal', '--out', csv]).code).toBe(0);
    expect(readFileSync(csv, 'utf8').charCodeAt(0)).toBe(0xfeff);
  }, 90_000); // six CLI processes, ~5 s each to start on a loaded machine
});
