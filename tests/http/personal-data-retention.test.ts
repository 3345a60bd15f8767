import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeCampaign } from '../../server/domain/campaigns/campaign-admin-service';
import { blockVoucher } from '../../server/domain/vouchers/support-service';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { createOrder } from '../../server/domain/orders/orders-service';
import { handleProviderEvent } from '../../server/domain/orders/payment-events-service';
import { addMonths, retentionDueAt } from '../../server/domain/privacy/retention';
import { setCampaignRetention } from '../../server/domain/privacy/retention-service';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { DemoProvider } from '../../server/payments/demo-provider';
import { RETENTION_JOB, startPersonalDataRetention } from '../../server/jobs/personal-data-retention';
import { liabilityReport } from '../../server/reports/liability';
import { reconciliationReport } from '../../server/reports/reconciliation';
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

async function order(campaignSlug: string, items: { amountCents: number; quantity: number; recipientName?: string; recipientEmail?: string; message?: string }[]) {
  const payments = new DemoProvider(app.url);
  const deps = { database: app.database, clock, payments, baseUrl: app.url, logger: silent, operator: loadOperator({}, false) };
  const created = await createOrder(deps, { campaignSlug, buyer: { type: 'individual', ...BUYER }, items, paymentMethod: 'card', locale: 'fr' });
  handleProviderEvent(deps, payments.simulatedEvent(created.order.checkoutRef!, 'paid', created.order.totalCents));
  return created.order.id;
}

const row = (sql: string, ...p: unknown[]) => app.database.sqlite.prepare(sql).get(...p) as Record<string, unknown>;
const erasures = () => app.database.sqlite.prepare(`SELECT count(*) FROM audit_log WHERE action = 'campaign_personal_data_erase'`).pluck().get() as number;

/** Two servers' schedules on one database, as main.ts starts them; resolves when `done()` holds. */
async function twoServers(done: () => boolean) {
  const a = startPersonalDataRetention({ database: app.database, clock, logger: silent, holder: 'server-a' });
  const b = startPersonalDataRetention({ database: app.database, clock, logger: silent, holder: 'server-b' });
  try {
    for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
    // A little longer: a second run, if there were one, would show now.
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    a.stop();
    b.stop();
  }
}

let noelOrder = '';
let seineOrder = '';

beforeAll(async () => {
  app = await startTestApp({ clock });
  noelOrder = await order('noel-fecamp', [{ amountCents: 20_00, quantity: 1, ...RECIPIENT, message: `Bon Noël de ${BUYER.name}` }]);
  seineOrder = await order('seine-estuaire', [{ amountCents: 20_00, quantity: 1 }]);
  // Support wrote her name and address in a note about the Christmas voucher.
  const noelVoucher = app.database.sqlite.prepare(`SELECT id FROM vouchers WHERE order_id = ?`).pluck().get(noelOrder) as string;
  blockVoucher({ database: app.database, clock }, { voucherId: noelVoucher, actor: 'operator:test', reason: 'other', note: `Appel de ${BUYER.name} <${BUYER.email}>` });
  setCampaignRetention({ database: app.database, clock }, 'noel-fecamp', 3, 'operator:test');
  clock.advance(86_400_000);
  closeCampaign({ database: app.database, clock, dataDir: app.dataDir }, 'noel-fecamp', { actor: 'operator:test' });
}, 60_000);
afterAll(() => app?.close());

describe('retention per campaign', () => {
  it('counts from the later of closing and the last voucher’s expiry, in calendar months', () => {
    expect(addMonths(new Date('2027-01-31T10:00:00Z'), 1).toISOString()).toBe('2027-02-28T10:00:00.000Z');
    expect(retentionDueAt({ closedAt: '2026-03-03T09:00:00Z', lastExpiry: '2026-08-29T21:59:59.999Z', retentionMonths: 3 }).toISOString()).toBe('2026-11-29T21:59:59.999Z');
    expect(retentionDueAt({ closedAt: '2026-09-01T00:00:00Z', lastExpiry: '2026-08-29T21:59:59.999Z', retentionMonths: 3 }).toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });

  it('leaves a campaign alone before its retention has passed', async () => {
    const expiry = row(`SELECT max(expires_at) AS e FROM vouchers WHERE order_id = ?`, noelOrder).e as string;
    clock.set(new Date(new Date(expiry).getTime() + 86_400_000)); // expired, but not 3 months ago
    await twoServers(() => row(`SELECT done_slot FROM job_leases WHERE name = ?`, RETENTION_JOB)?.done_slot != null);
    expect(erasures()).toBe(0);
    expect(row(`SELECT buyer_name FROM orders WHERE id = ?`, noelOrder).buyer_name).toBe(BUYER.name);
  });

  it('once due, two servers erase the campaign once; the books and the other campaign unchanged', async () => {
    const liability = liabilityReport(app.database, clock.now()).map(({ slug, issuedCents, redeemedCents, expiredCents }) => ({ slug, issuedCents, redeemedCents, expiredCents }));
    const journals = app.database.sqlite.prepare(`SELECT * FROM journal_lines ORDER BY id`).raw().all();
    clock.advance(100 * 86_400_000);
    await twoServers(() => erasures() > 0);
    expect(erasures()).toBe(1);

    expect(row(`SELECT buyer_name, buyer_email, personal_data_erased_at FROM orders WHERE id = ?`, noelOrder)).toEqual({
      buyer_name: '[effacé]', buyer_email: `erased-${noelOrder.toLowerCase()}@erased.invalid`, personal_data_erased_at: clock.now().toISOString(),
    });
    expect(row(`SELECT recipient_name, recipient_email, message FROM vouchers WHERE order_id = ?`, noelOrder)).toEqual({ recipient_name: null, recipient_email: null, message: null });
    expect(row(`SELECT recipient_name, recipient_email, message FROM order_items WHERE order_id = ?`, noelOrder)).toEqual({ recipient_name: null, recipient_email: null, message: null });
    const mails = app.database.sqlite.prepare(`SELECT recipient, payload FROM outbox_messages WHERE json_extract(payload, '$.orderId') = ?`).all(noelOrder) as { recipient: string; payload: string }[];
    expect(mails.length).toBeGreaterThan(0);
    for (const m of mails) expect(m.recipient).toBe('erased@erased.invalid');
    // Nothing about the Christmas order names her any more: audit entries, notes, mail.
    const about = app.database.sqlite
      .prepare(`SELECT coalesce(before, '') || coalesce(after, '') || coalesce(reason, '') FROM audit_log WHERE entity_id = ? OR entity_id IN (SELECT id FROM vouchers WHERE order_id = ?)
                UNION ALL SELECT coalesce(block_reason, '') FROM vouchers WHERE order_id = ?
                UNION ALL SELECT payload || recipient || coalesce(last_error, '') FROM outbox_messages WHERE json_extract(payload, '$.orderId') = ? OR json_extract(payload, '$.voucherId') IN (SELECT id FROM vouchers WHERE order_id = ?)`)
      .pluck().all(noelOrder, noelOrder, noelOrder, noelOrder, noelOrder) as string[];
    expect(about.join('\n')).toContain('Appel de [effacé] <[effacé]>');
    for (const text of about) for (const needle of [BUYER.name, BUYER.email, RECIPIENT.recipientName, RECIPIENT.recipientEmail]) expect(text).not.toContain(needle);
    // The same buyer's order in a campaign still running keeps her details.
    expect(row(`SELECT buyer_name, buyer_email FROM orders WHERE id = ?`, seineOrder)).toEqual({ buyer_name: BUYER.name, buyer_email: BUYER.email });
    expect(row(`SELECT personal_data_erased_at AS at FROM campaigns WHERE slug = 'seine-estuaire'`).at).toBeNull();

    expect(liabilityReport(app.database, clock.now()).map(({ slug, issuedCents, redeemedCents, expiredCents }) => ({ slug, issuedCents, redeemedCents, expiredCents }))).toEqual(liability);
    expect(app.database.sqlite.prepare(`SELECT * FROM journal_lines ORDER BY id`).raw().all()).toEqual(journals);
    expect(checkLedger(app.database)).toEqual([]);
    for (const r of reconciliationReport(app.database, clock.now())) expect(r.differenceCents, r.slug).toBe(0);

    // The next day's run finds nothing left to do.
    clock.advance(86_400_000);
    await twoServers(() => (row(`SELECT done_slot FROM job_leases WHERE name = ?`, RETENTION_JOB)?.done_slot as number) > clock.now().getTime() - 86_400_000);
    expect(erasures()).toBe(1);
  });

  it('refuses a retention outside 1–120 months', () => {
    expect(() => setCampaignRetention({ database: app.database, clock }, 'seine-estuaire', 0, 'operator:test')).toThrow('RETENTION_MONTHS');
    expect(() => setCampaignRetention({ database: app.database, clock }, 'seine-estuaire', 121, 'operator:test')).toThrow('RETENTION_MONTHS');
  });
});
