/**
 * Exactly once under crashes: `cli settle` is killed (SIGKILL, no cleanup) at each step of
 * a run, then run again. Every crashed-then-resumed database must end with the same books
 * as an uninterrupted run: one batch, the same statements, each Stripe statement paid by
 * exactly one transfer (the fake Stripe counts them), check-ledger clean.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parisDate } from '../../server/lib/paris-time';
import { buyVouchers } from '../support/builders';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { hasXmllint, merchantId, take, validateSepa } from '../support/settlement';
import { fixedClock, startTestApp } from '../support/test-app';

const SECRET = 'sk_test_settlement_crash';
let dir: string;
let base: string;
let stripe: FakeStripe;
const until = parisDate(new Date());

/** Asynchronous on purpose: the fake Stripe server lives in this process and must keep answering. */
function cli(dbFile: string, dataDir: string, args: string[], fault?: string, sliceMerchants = '') {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    env: {
      ...process.env, NODE_ENV: 'test', BASE_URL: 'http://localhost:3000', DATABASE_URL: `file:${dbFile}`, DATA_DIR: dataDir,
      STRIPE_SECRET_KEY: SECRET, STRIPE_API_BASE: stripe.url, SETTLEMENT_FAULT_AT: fault ?? '', SETTLEMENT_SLICE_MERCHANTS: sliceMerchants,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string; json: any }>((resolve) =>
    child.on('close', (status, signal) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      resolve({ status, signal, stderr, json: last.startsWith('{') ? JSON.parse(last) : null });
    }),
  );
}

/** The books, without ids: statements per shop and every account's balance. */
function books(dbFile: string) {
  const db = new Database(dbFile, { readonly: true });
  try {
    return {
      batches: (db.prepare(`SELECT COUNT(*) AS n FROM settlement_batches`).get() as { n: number }).n,
      open: (db.prepare(`SELECT COUNT(*) AS n FROM settlement_batches WHERE closed_at IS NULL`).get() as { n: number }).n,
      statements: db.prepare(`SELECT m.slug, s.gross_cents, s.commission_cents, s.vat_cents, s.net_cents, s.redemption_count, s.method, s.status
        FROM statements s JOIN merchants m ON m.id = s.merchant_id ORDER BY m.slug`).all(),
      accounts: db.prepare(`SELECT account, SUM(amount_cents) AS balance FROM journal_lines GROUP BY account ORDER BY account`).all(),
      unsettled: (db.prepare(`SELECT COUNT(*) AS n FROM redemptions WHERE status = 'completed' AND statement_id IS NULL`).get() as { n: number }).n,
      mails: (db.prepare(`SELECT COUNT(*) AS n FROM outbox_messages WHERE kind = 'settlement_statement'`).get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

function copyBase(name: string) {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  copyFileSync(base, join(d, 'app.db'));
  return { db: join(d, 'app.db'), data: d };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'settle-crash-'));
  stripe = await startFakeStripe({ secretKey: SECRET });
  base = join(dir, 'base.db');
  // Redemptions two hours ago: past the void window for the CLI's real clock.
  const clock = fixedClock(new Date(Date.now() - 2 * 3600_000));
  const app = await startTestApp({ clock, databaseFile: base, seed: false });
  await app.close();
  const seeded = await startTestApp({ clock });
  // A seeded app in its own dir, then copied: the demo data plus our redemptions.
  const vouchers = await buyVouchers(seeded, { amountCents: 100_00, quantity: 4 });
  const noel = await buyVouchers(seeded, { amountCents: 50_00, quantity: 2, campaign: 'noel-fecamp' });
  const id = (slug: string) => merchantId(seeded.database, slug);
  seeded.database.sqlite.prepare(`UPDATE merchants SET stripe_account_id = 'acct_1Fromagerie' WHERE slug = 'fromagerie-du-marche'`).run();
  await take(seeded, id('librairie-la-galerne'), vouchers[0]!.code, 12_34);
  await take(seeded, id('librairie-la-galerne'), vouchers[1]!.code, 99_99);
  await take(seeded, id('fromagerie-du-marche'), vouchers[2]!.code, 45_00);
  await take(seeded, id('bijouterie-falaise'), vouchers[3]!.code, 10_00);
  await take(seeded, id('bijouterie-falaise'), noel[0]!.code, 33_33);
  await take(seeded, id('le-comptoir-benedictin'), noel[1]!.code, 50_00);
  await seeded.database.sqlite.backup(base);
  await seeded.close();
}, 60_000);
afterAll(async () => {
  await stripe?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cli settle killed at every step, then run again', () => {
  let reference: ReturnType<typeof books>;

  it('an uninterrupted run: the reference books', async () => {
    const run = copyBase('reference');
    const r = await cli(run.db, run.data, ['settle', '--until', until, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json.batch.statements).toHaveLength(4);
    expect(r.json.stripe).toEqual({ paid: 1, failed: 0 });
    if (hasXmllint) validateSepa(r.json.batch.sepaFile);
    reference = books(run.db);
    expect(reference).toMatchObject({ batches: 1, open: 0, unsettled: 0 });
    expect((await cli(run.db, run.data, ['check-ledger', '--json'])).json).toMatchObject({ ok: true });
  });

  // The batch is written in slices of shops (one transaction each): killed inside the first
  // slice, nothing is written; killed after a slice (`batch:slice`, one shop per slice) or
  // before the closing one, an open batch holds whole slices and the rerun completes it.
  const steps: [string, string][] = [['batch:start', ''], ['batch:statement', ''], ['batch:slice', '1'], ['batch:before-commit', ''], ['after-commit', ''], ['after-sepa', ''], ['stripe:after-transfer', '']];
  for (const [step, slice] of steps) {
    it(`killed at ${step}${slice ? ` (slices of ${slice} shop)` : ''}: no batch or whole slices of an open one, and the rerun completes the same books`, async () => {
      const run = copyBase(step.replace(':', '-'));
      const transfersBefore = stripe.transfers.size;
      const crashed = await cli(run.db, run.data, ['settle', '--until', until, '--json'], step, slice);
      expect(crashed.signal).toBe('SIGKILL');
      const midway = books(run.db);
      if (step === 'batch:start' || step === 'batch:statement') expect(midway).toMatchObject({ batches: 0, statements: [], mails: 0 });
      else if (step.startsWith('batch:')) {
        expect(midway).toMatchObject({ batches: 1, open: 1 });
        // Each statement written is whole (the uninterrupted run's, to the cent and count).
        expect(midway.statements.length).toBeGreaterThan(0);
        const unpaid = (list: unknown[]) => list.map((s) => ({ ...(s as object), status: undefined }));
        expect(unpaid(reference.statements)).toEqual(expect.arrayContaining(unpaid(midway.statements)));
      } else expect(midway.statements.map((s) => ({ ...(s as object), status: undefined }))).toEqual(reference.statements.map((s) => ({ ...(s as object), status: undefined })));

      const rerun = await cli(run.db, run.data, ['settle', '--until', until, '--json']);
      expect(rerun.status, rerun.stderr).toBe(0);
      expect(books(run.db)).toEqual(reference);
      // One Connect transfer for the one Stripe statement, whatever the crash.
      expect(stripe.transfers.size - transfersBefore).toBe(1);
      expect(rerun.json.batch.sepaFile).toBeTruthy();
      expect(readFileSync(rerun.json.batch.sepaFile, 'utf8')).toContain('<NbOfTxs>3</NbOfTxs>');
      expect((await cli(run.db, run.data, ['check-ledger', '--json'])).json).toMatchObject({ ok: true });
      // And once more: nothing new.
      expect((await cli(run.db, run.data, ['settle', '--until', until, '--json'])).json).toMatchObject({ created: false });
      expect(books(run.db)).toEqual(reference);
    }, 120_000);
  }
});
