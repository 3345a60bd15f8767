/**
 * Expiry reminders queued on PostgreSQL (the SQLite twin is in expiry.test.ts): once per
 * voucher with value left, within the window, to the recipient or an individual buyer;
 * two runs at once still queue one mail per voucher; the worker sends them from PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPIRY_REMINDER_DAYS, REMINDER_KIND } from '../../server/domain/vouchers/expiry-reminders';
import { remindExpiringVouchersOnPostgres } from '../../server/domain/vouchers/expiry-reminders-pg';
import { rowOf, rowsOf } from '../support/backend-query';
import { buyVouchers, type BuiltVoucher } from '../support/builders';
import { postgresAvailable } from '../support/postgres';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

const clock = fixedClock('2026-11-23T10:00:00Z');
let app: TestApp;
let toBuyer: BuiltVoucher, toRecipient: BuiltVoucher, company: BuiltVoucher, spent: BuiltVoucher;
const DAY = 86_400_000;

/** The reminders queued for this file's vouchers, by recipient. */
async function mine(): Promise<{ recipient: string; voucherId: string }[]> {
  const ours = new Set([toBuyer, toRecipient, company, spent].map((v) => v.id));
  const rows = await rowsOf<{ recipient: string; payload: string }>(app, `SELECT recipient, payload FROM outbox_messages WHERE kind = @kind`, { kind: REMINDER_KIND });
  return rows
    .map((r) => ({ recipient: r.recipient, voucherId: (JSON.parse(r.payload) as { voucherId: string }).voucherId }))
    .filter((r) => ours.has(r.voucherId))
    .sort((a, b) => (a.recipient < b.recipient ? -1 : 1));
}

// Skips only where PostgreSQL is not installed, with a notice; REQUIRE_POSTGRES=1 makes that a failure.
describe.skipIf(!postgresAvailable())('expiry reminders on PostgreSQL', () => {
  beforeAll(async () => {
    app = await startTestApp({
      backend: 'postgres',
      clock,
      prepare: async (database) => {
        [toBuyer, toRecipient, spent] = (await buyVouchers({ database, clock }, { amountCents: 20_00, quantity: 3 })) as [BuiltVoucher, BuiltVoucher, BuiltVoucher];
        // A company's voucher without a recipient: nobody to write to.
        [company] = (await buyVouchers({ database, clock }, { amountCents: 20_00, relabelAs: 'company' })) as [BuiltVoucher];
        const run = (sql: string, ...args: string[]) => database.sqlite.prepare(sql).run(...args);
        run(`UPDATE vouchers SET recipient_email = 'bob@example.org', recipient_name = 'Bob' WHERE id = ?`, toRecipient.id);
        run(`UPDATE vouchers SET balance_cents = 0, status = 'spent' WHERE id = ?`, spent.id);
        // All four expire on the same day, a year after the demo data's.
        run(`UPDATE vouchers SET expires_at = '2027-11-23T22:59:59.999Z' WHERE id IN (?, ?, ?, ?)`, toBuyer.id, toRecipient.id, company.id, spent.id);
      },
    });
  });
  afterAll(() => app?.close());

  it(`reminds once per voucher with value left, within ${EXPIRY_REMINDER_DAYS} days of expiry; two runs at once queue one mail each`, async () => {
    const pg = app.pg!;
    const expires = new Date('2027-11-23T22:59:59.999Z').getTime();
    await remindExpiringVouchersOnPostgres(pg, new Date(expires - 31 * DAY));
    expect(await mine()).toEqual([]);
    const now = new Date(expires - 29 * DAY);
    await Promise.all([remindExpiringVouchersOnPostgres(pg, now, 1), remindExpiringVouchersOnPostgres(pg, now, 1)]);
    await remindExpiringVouchersOnPostgres(pg, new Date(now.getTime() + DAY));
    const queued = await mine();
    expect(queued).toEqual([
      { recipient: 'bob@example.org', voucherId: toRecipient.id },
      { recipient: 'buyer@example.org', voucherId: toBuyer.id },
    ]);
    const stamped = await rowOf<{ n: number }>(app, `SELECT COUNT(*) AS n FROM vouchers WHERE id IN (@a, @b, @c, @d) AND expiry_reminded_at IS NOT NULL`, { a: toBuyer.id, b: toRecipient.id, c: company.id, d: spent.id });
    expect(stamped!.n).toBe(2);
    // The worker sends them from PostgreSQL (rendered through MailReads); other mail of the data marked sent first.
    await rowsOf(app, `UPDATE outbox_messages SET status = 'sent' WHERE kind <> @kind`, { kind: REMINDER_KIND });
    clock.set(new Date(now.getTime() + DAY)); // the reminders are due from the run that queued them
    // (Demo vouchers of the same months are reminded too: every reminder must go out.)
    for (let pass = await app.drainOutbox(); ; pass = await app.drainOutbox()) {
      expect(pass.failed).toBe(0);
      if (pass.sent < 20) break;
    }
    const left = await rowOf<{ n: number }>(app, `SELECT COUNT(*) AS n FROM outbox_messages WHERE kind = @kind AND status <> 'sent'`, { kind: REMINDER_KIND });
    expect(left!.n).toBe(0);
  });
});
