/**
 * Exactly once under crashes: `cli settle` is killed (SIGKILL, no cleanup) at each step of
 * a run, then run again. Every crashed-then-resumed database must end with the same books
 * as an uninterrupted run: one batch, the same statements, each Stripe statement paid by
 * exactly one transfer (the fake Stripe counts them), check-ledger clean. On both backends:
 * the same dataset as a SQLite file, and copied into PostgreSQL by copy-database.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parisDate } from '../../server/lib/paris-time';
import { buyVouchers } from '../support/builders';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { hasXmllint, merchantId, take, validateSepa } from '../support/settlement';
import { settlementBooks, settlementTarget, type SettlementBooks, type SettlementTarget } from '../support/settlement-backends';
import { fixedClock, startTestApp } from '../support/test-app';
import type { Backend } from '../support/till-backends';
import { runCli } from '../support/cli-process';

const SECRET = 'sk_test_settlement_crash';
let dir: string;
let base: string;
let stripe: FakeStripe;
let cluster: PgCluster | undefined;
const until = parisDate(new Date());
// PostgreSQL where it is installed (a printed notice otherwise; REQUIRE_POSTGRES=1 makes it a failure).
const backends: Backend[] = postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];

/** Asynchronous on purpose: the fake Stripe server lives in this process and must keep answering. */
function cli(target: SettlementTarget, args: string[], fault?: string, sliceMerchants = '') {
  return runCli(args, {
    DATABASE_URL: target.url, DATA_DIR: target.dataDir,
    STRIPE_SECRET_KEY: SECRET, STRIPE_API_BASE: stripe.url, SETTLEMENT_FAULT_AT: fault ?? '', SETTLEMENT_SLICE_MERCHANTS: sliceMerchants,
  });
}

const books = (target: SettlementTarget): Promise<SettlementBooks> => target.read(settlementBooks());

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'settle-crash-'));
  stripe = await startFakeStripe({ secretKey: SECRET });
  if (backends.includes('postgres')) cluster = await startPostgres();
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
  cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(backends)('cli settle killed at every step, then run again (%s)', (backend) => {
  let reference: SettlementBooks;
  const copyBase = (name: string) => settlementTarget(backend, base, dir, `${backend}_${name}`, cluster);

  it('an uninterrupted run: the reference books', async () => {
    const run = await copyBase('reference');
    const r = await cli(run, ['settle', '--until', until, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json.batch.statements).toHaveLength(4);
    expect(r.json.stripe).toEqual({ paid: 1, failed: 0 });
    if (hasXmllint) validateSepa(r.json.batch.sepaFile);
    reference = await books(run);
    expect(reference).toMatchObject({ batches: 1, open: 0, unsettled: 0 });
    expect((await cli(run, ['check-ledger', '--json'])).json).toMatchObject({ ok: true });
  }, 120_000);

  // The batch is written in slices of shops (one transaction each): killed inside the first
  // slice, nothing is written; killed after a slice (`batch:slice`, one shop per slice) or
  // before the closing one, an open batch holds whole slices and the rerun completes it.
  const steps: [string, string][] = [['batch:start', ''], ['batch:statement', ''], ['batch:slice', '1'], ['batch:before-commit', ''], ['after-commit', ''], ['after-sepa', ''], ['stripe:after-transfer', '']];
  for (const [step, slice] of steps) {
    it(`killed at ${step}${slice ? ` (slices of ${slice} shop)` : ''}: no batch or whole slices of an open one, and the rerun completes the same books`, async () => {
      const run = await copyBase(step.replace(/[:-]/g, '_'));
      const transfersBefore = stripe.transfers.size;
      const crashed = await cli(run, ['settle', '--until', until, '--json'], step, slice);
      expect(crashed.signal).toBe('SIGKILL');
      const midway = await books(run);
      if (step === 'batch:start' || step === 'batch:statement') expect(midway).toMatchObject({ batches: 0, statements: [], mails: 0 });
      else if (step.startsWith('batch:')) {
        expect(midway).toMatchObject({ batches: 1, open: 1 });
        // Each statement written is whole (the uninterrupted run's, to the cent and count).
        expect(midway.statements.length).toBeGreaterThan(0);
        const unpaid = (list: unknown[]) => list.map((s) => ({ ...(s as object), status: undefined }));
        expect(unpaid(reference.statements)).toEqual(expect.arrayContaining(unpaid(midway.statements)));
      } else expect(midway.statements.map((s) => ({ ...(s as object), status: undefined }))).toEqual(reference.statements.map((s) => ({ ...(s as object), status: undefined })));

      const rerun = await cli(run, ['settle', '--until', until, '--json']);
      expect(rerun.status, rerun.stderr).toBe(0);
      expect(await books(run)).toEqual(reference);
      // One Connect transfer for the one Stripe statement, whatever the crash.
      expect(stripe.transfers.size - transfersBefore).toBe(1);
      expect(rerun.json.batch.sepaFile).toBeTruthy();
      expect(readFileSync(rerun.json.batch.sepaFile, 'utf8')).toContain('<NbOfTxs>3</NbOfTxs>');
      if (hasXmllint) validateSepa(rerun.json.batch.sepaFile);
      expect((await cli(run, ['check-ledger', '--json'])).json).toMatchObject({ ok: true });
      // And once more: nothing new.
      expect((await cli(run, ['settle', '--until', until, '--json'])).json).toMatchObject({ created: false });
      expect(await books(run)).toEqual(reference);
    }, 120_000);
  }
});
