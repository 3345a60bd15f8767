import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database_ } from '../../db/client';
import { pgUnits } from '../../db/store-units';
import { closeCampaign } from '../../server/domain/campaigns/campaign-admin-service';
import { blockVoucher } from '../../server/domain/vouchers/support-service';
import { ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { createOrder } from '../../server/domain/orders/orders-service';
import { handleProviderEvent } from '../../server/domain/orders/payment-events-service';
import { addMonths, retentionDueAt } from '../../server/domain/privacy/retention';
import { setCampaignRetention } from '../../server/domain/privacy/retention-service';
import { pgJobLeaseStore } from '../../server/jobs/job-lease-store-pg';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { DemoProvider } from '../../server/payments/demo-provider';
import { RETENTION_JOB, startPersonalDataRetention } from '../../server/jobs/personal-data-retention';
import { liabilityProgram } from '../../server/reports/liability';
import { reconciliationProgram } from '../../server/reports/reconciliation';
import { readOn } from '../../server/web/backend-units';
import { rowOf, rowsOf } from '../support/backend-query';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 15: personal data kept N months per campaign. Once a closed campaign's last voucher
 * has expired and its retention has passed, the daily job pseudonymises its buyers and
 * recipients — run by one server only when two are up — and leaves the books, the other
 * campaigns and the same buyer's orders elsewhere as they were.
 */
const BUYER = { name: 'Gaëlle Retenue', email: 'gaelle.retenue@example.net' };
const RECIPIENT = { recipientName: 'Hugo Destinataire', recipientEmail: 'hugo.destinataire@example.net' };

const clock = fixedClock('2026-03-02T09:00:00Z');
let app: TestApp;
const silent = createLogger('silent');
const closeDir = mkdtempSync(join(tmpdir(), 'retention-close-'));

async function order(database: Database_, campaignSlug: string, items: { amountCents: number; quantity: number; recipientName?: string; recipientEmail?: string; message?: string }[]) {
  const payments = new DemoProvider('http://localhost:3000');
  const deps = { database, clock, payments, baseUrl: 'http://localhost:3000', logger: silent, operator: loadOperator({}, false) };
  const created = await createOrder(deps, { campaignSlug, buyer: { type: 'individual', ...BUYER }, items, paymentMethod: 'card', locale: 'fr' });
  handleProviderEvent(deps, payments.simulatedEvent(created.order.checkoutRef!, 'paid', created.order.totalCents));
  return created.order.id;
}

const row = async (sql: string, params: Record<string, string> = {}) => (await rowOf(app, sql, params)) as Record<string, unknown>;
const erasures = async () => (await row(`SELECT count(*) AS n FROM audit_log WHERE action = 'campaign_personal_data_erase'`)).n as number;
const doneSlot = async () => (await row(`SELECT done_slot FROM job_leases WHERE name = @job`, { job: RETENTION_JOB }))?.done_slot as number | null | undefined;

/** Two servers' schedules on one database, as main.ts starts them (leases where the app's data are); resolves when `done()` holds. */
async function twoServers(done: () => Promise<boolean>) {
  const backend = { database: app.database, pg: app.pg, leases: app.pg ? pgUnits(app.pg, pgJobLeaseStore) : undefined, clock, logger: silent };
  const a = startPersonalDataRetention({ ...backend, holder: 'server-a' });
  const b = startPersonalDataRetention({ ...backend, holder: 'server-b' });
  try {
    for (let i = 0; i < 100 && !(await done()); i++) await new Promise((r) => setTimeout(r, 20));
    // A little longer: a second run, if there were one, would show now.
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    a.stop();
    b.stop();
  }
}

/** The texts about an order's mail (SQLite's json_extract, read here on either backend). */
async function mailsAbout(orderId: string, voucherIds: readonly string[]) {
  const all = await rowsOf<{ recipient: string; payload: string; last_error: string | null }>(app, `SELECT recipient, payload, last_error FROM outbox_messages`);
  return all.filter((m) => {
    const p = JSON.parse(m.payload) as { orderId?: string; voucherId?: string };
    return p.orderId === orderId || (p.voucherId !== undefined && voucherIds.includes(p.voucherId));
  });
}

const liability = async () => (await readOn(app, () => liabilityProgram(clock.now()))).map(({ slug, issuedCents, redeemedCents, expiredCents }) => ({ slug, issuedCents, redeemedCents, expiredCents }));

let noelOrder = '';
let seineOrder = '';

beforeAll(async () => {
  app = await startTestApp({
    clock,
    prepare: async (database) => {
      noelOrder = await order(database, 'noel-fecamp', [{ amountCents: 20_00, quantity: 1, ...RECIPIENT, message: `Bon Noël de ${BUYER.name}` }]);
      seineOrder = await order(database, 'seine-estuaire', [{ amountCents: 20_00, quantity: 1 }]);
      // Support wrote her name and address in a note about the Christmas voucher.
      const noelVoucher = database.sqlite.prepare(`SELECT id FROM vouchers WHERE order_id = ?`).pluck().get(noelOrder) as string;
      blockVoucher({ database, clock }, { voucherId: noelVoucher, actor: 'operator:test', reason: 'other', note: `Appel de ${BUYER.name} <${BUYER.email}>` });
      await setCampaignRetention({ database, clock }, 'noel-fecamp', 3, 'operator:test');
      clock.advance(86_400_000);
      closeCampaign({ database, clock, dataDir: closeDir }, 'noel-fecamp', { actor: 'operator:test' });
    },
  });
}, 60_000);
afterAll(async () => {
  await app?.close();
  rmSync(closeDir, { recursive: true, force: true });
});

describe('retention per campaign', () => {
  it('counts from the later of closing and the last voucher’s expiry, in calendar months', () => {
    expect(addMonths(new Date('2027-01-31T10:00:00Z'), 1).toISOString()).toBe('2027-02-28T10:00:00.000Z');
    expect(retentionDueAt({ closedAt: '2026-03-03T09:00:00Z', lastExpiry: '2026-08-29T21:59:59.999Z', retentionMonths: 3 }).toISOString()).toBe('2026-11-29T21:59:59.999Z');
    expect(retentionDueAt({ closedAt: '2026-09-01T00:00:00Z', lastExpiry: '2026-08-29T21:59:59.999Z', retentionMonths: 3 }).toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });

  it('leaves a campaign alone before its retention has passed', async () => {
    const expiry = (await row(`SELECT max(expires_at) AS e FROM vouchers WHERE order_id = @o`, { o: noelOrder })).e as string;
    clock.set(new Date(new Date(expiry).getTime() + 86_400_000)); // expired, but not 3 months ago
    await twoServers(async () => (await doneSlot()) != null);
    expect(await doneSlot()).not.toBeNull();
    expect(await erasures()).toBe(0);
    expect((await row(`SELECT buyer_name FROM orders WHERE id = @o`, { o: noelOrder })).buyer_name).toBe(BUYER.name);
  });

  it('once due, two servers erase the campaign once; the books and the other campaign unchanged', async () => {
    const booksBefore = await liability();
    const journals = await rowsOf(app, `SELECT * FROM journal_lines ORDER BY id`);
    clock.advance(100 * 86_400_000);
    await twoServers(async () => (await erasures()) > 0);
    expect(await erasures()).toBe(1);

    expect(await row(`SELECT buyer_name, buyer_email, personal_data_erased_at FROM orders WHERE id = @o`, { o: noelOrder })).toEqual({
      buyer_name: '[effacé]', buyer_email: `erased-${noelOrder.toLowerCase()}@erased.invalid`, personal_data_erased_at: clock.now().toISOString(),
    });
    expect(await row(`SELECT recipient_name, recipient_email, message FROM vouchers WHERE order_id = @o`, { o: noelOrder })).toEqual({ recipient_name: null, recipient_email: null, message: null });
    expect(await row(`SELECT recipient_name, recipient_email, message FROM order_items WHERE order_id = @o`, { o: noelOrder })).toEqual({ recipient_name: null, recipient_email: null, message: null });
    const voucherIds = (await rowsOf<{ id: string }>(app, `SELECT id FROM vouchers WHERE order_id = @o`, { o: noelOrder })).map((v) => v.id);
    const mails = await mailsAbout(noelOrder, []);
    expect(mails.length).toBeGreaterThan(0);
    for (const m of mails) expect(m.recipient).toBe('erased@erased.invalid');
    // Nothing about the Christmas order names her any more: audit entries, notes, mail.
    const audit = await rowsOf<{ t: string }>(app, `SELECT coalesce(before, '') || coalesce(after, '') || coalesce(reason, '') AS t FROM audit_log WHERE entity_id = @o OR entity_id IN (SELECT id FROM vouchers WHERE order_id = @o)`, { o: noelOrder });
    const notes = await rowsOf<{ t: string }>(app, `SELECT coalesce(block_reason, '') AS t FROM vouchers WHERE order_id = @o`, { o: noelOrder });
    const about = [...audit, ...notes].map((r) => r.t).concat((await mailsAbout(noelOrder, voucherIds)).map((m) => m.payload + m.recipient + (m.last_error ?? '')));
    expect(about.join('\n')).toContain('Appel de [effacé] <[effacé]>');
    for (const text of about) for (const needle of [BUYER.name, BUYER.email, RECIPIENT.recipientName, RECIPIENT.recipientEmail]) expect(text).not.toContain(needle);
    // The same buyer's order in a campaign still running keeps her details.
    expect(await row(`SELECT buyer_name, buyer_email FROM orders WHERE id = @o`, { o: seineOrder })).toEqual({ buyer_name: BUYER.name, buyer_email: BUYER.email });
    expect((await row(`SELECT personal_data_erased_at AS at FROM campaigns WHERE slug = 'seine-estuaire'`)).at).toBeNull();

    expect(await liability()).toEqual(booksBefore);
    expect(await rowsOf(app, `SELECT * FROM journal_lines ORDER BY id`)).toEqual(journals);
    expect(await readOn(app, (d) => ledgerChecks(FULL, d))).toEqual([]);
    for (const r of await readOn(app, () => reconciliationProgram(clock.now()))) expect(r.differenceCents, r.slug).toBe(0);

    // The next day's run finds nothing left to do.
    clock.advance(86_400_000);
    await twoServers(async () => ((await doneSlot()) ?? 0) > clock.now().getTime() - 86_400_000);
    expect(await doneSlot()).toBeGreaterThan(clock.now().getTime() - 86_400_000);
    expect(await erasures()).toBe(1);
  });

  it('refuses a retention outside 1–120 months', () => {
    expect(() => setCampaignRetention({ database: app.database, pg: app.pg, clock }, 'seine-estuaire', 0, 'operator:test')).toThrow('RETENTION_MONTHS');
    expect(() => setCampaignRetention({ database: app.database, pg: app.pg, clock }, 'seine-estuaire', 121, 'operator:test')).toThrow('RETENTION_MONTHS');
  });
});
