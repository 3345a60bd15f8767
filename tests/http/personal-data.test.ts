import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { createOrder } from '../../server/domain/orders/orders-service';
import { handleProviderEvent } from '../../server/domain/orders/payment-events-service';
import { listOrderVouchers } from '../../server/domain/vouchers/vouchers-repository';
import { blockVoucher } from '../../server/domain/vouchers/support-service';
import { parisDate } from '../../server/lib/paris-time';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { DemoProvider } from '../../server/payments/demo-provider';
import { fecLines, journalCsvLines } from '../../server/reports/fec';
import { impactReport } from '../../server/reports/impact';
import { journalEntries } from '../../server/reports/journal-entries';
import { liabilityReport } from '../../server/reports/liability';
import { reconciliationReport } from '../../server/reports/reconciliation';
import { adminKey, type BuiltKey, TOWN_HALL_BUYER } from '../support/builders';
import { DEMO_ADMIN_EMAIL, operatorClient } from '../support/operator';
import { merchantId, settle, take } from '../support/settlement';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 15, « Personal data handled as a town must »: one person — a buyer, a beneficiary on a
 * town hall's list and a name written in a gift message and a support note — asks to be
 * erased. The operator finds, exports and erases them in the back-office; afterwards the
 * books, check-ledger and every report are exactly as before, and neither the name nor the
 * email is anywhere in the database (outbox payloads and audit log included) or the exports.
 */
const NAME = 'Élodie Marchand';
const EMAIL = 'elodie.marchand@example.net';
const OTHER = { name: 'Jean-Baptiste Autre', email: 'jb.autre@example.net' };

const clock = fixedClock('2026-03-02T09:00:00Z');
let app: TestApp;
let admin: BuiltKey;
const silent = createLogger('silent');

async function individualOrder(buyer: { name: string; email: string }, items: { amountCents: number; quantity: number; recipientName?: string; recipientEmail?: string; message?: string }[]) {
  const payments = new DemoProvider(app.url);
  const deps = { database: app.database, clock, payments, baseUrl: app.url, logger: silent, operator: loadOperator({}, false) };
  const created = await createOrder(deps, { campaignSlug: 'seine-estuaire', buyer: { type: 'individual', ...buyer }, items, paymentMethod: 'card', locale: 'fr' });
  handleProviderEvent(deps, payments.simulatedEvent(created.order.checkoutRef!, 'paid', created.order.totalCents));
  return { orderId: created.order.id, vouchers: listOrderVouchers(app.database.db, created.order.id) };
}

async function api(method: string, path: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${app.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

/** Everything an accountant, an auditor or the town reads: the books, every report and export, check-ledger. */
function books() {
  const now = clock.now();
  const rows = (sql: string) => app.database.sqlite.prepare(sql).raw().all();
  return {
    journals: rows('SELECT * FROM journals ORDER BY rowid'),
    journalLines: rows('SELECT * FROM journal_lines ORDER BY id'),
    movements: rows('SELECT * FROM movements ORDER BY rowid'),
    payments: rows('SELECT * FROM payments ORDER BY rowid'),
    invoices: rows('SELECT * FROM invoices ORDER BY rowid'),
    statements: rows('SELECT * FROM statements ORDER BY rowid'),
    vouchersMoney: rows('SELECT id, code, campaign_id, order_id, amount_cents, balance_cents, status, expires_at FROM vouchers ORDER BY rowid'),
    ordersMoney: rows('SELECT id, reference, campaign_id, status, buyer_type, total_cents, fee_cents, paid_cents, refunded_cents, bonus_cents FROM orders ORDER BY rowid'),
    campaigns: rows('SELECT id, sold_cents, redeemed_cents, bonus_used_cents, bonus_reserved_cents FROM campaigns ORDER BY rowid'),
    checkLedger: checkLedger(app.database),
    liability: liabilityReport(app.database, now),
    reconciliation: reconciliationReport(app.database, now),
    impact: impactReport(app.database, now),
    fec: [...fecLines(journalEntries(app.database))],
    journalCsv: [...journalCsvLines(journalEntries(app.database))],
  };
}

/** Every row of every table whose text holds `needle` (case-insensitive), as « table.column: value ». */
function occurrences(needle: string): string[] {
  const s = app.database.sqlite;
  const tables = s.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
  const found: string[] = [];
  for (const t of tables) {
    const cols = (s.prepare(`SELECT name, type FROM pragma_table_info(?)`).all(t) as { name: string; type: string }[]).filter((c) => !/int|real/i.test(c.type));
    for (const c of cols) {
      const hits = s.prepare(`SELECT "${c.name}" AS v FROM "${t}" WHERE instr(lower(CAST("${c.name}" AS TEXT)), lower(?)) > 0`).pluck().all(needle) as string[];
      for (const h of hits) found.push(`${t}.${c.name}: ${String(h).slice(0, 120)}`);
    }
  }
  return found;
}

let elodieVouchers: string[] = [];
let townOrderId = '';

beforeAll(async () => {
  app = await startTestApp({ clock });
  admin = adminKey(app);
  // She buys for herself and for a friend, with a message that names her.
  const own = await individualOrder({ name: NAME, email: EMAIL }, [
    { amountCents: 50_00, quantity: 1 },
    { amountCents: 30_00, quantity: 1, recipientName: 'Paul Petit', recipientEmail: 'paul.petit@example.net', message: `Joyeux anniversaire ! ${NAME}` },
  ]);
  elodieVouchers = own.vouchers.map((v) => v.code);
  // Someone else, who asked nothing: untouched.
  await individualOrder(OTHER, [{ amountCents: 20_00, quantity: 1 }]);
  // The town hall's list of beneficiaries names her too.
  const town = await api('POST', '/api/v1/orders', {
    campaign: 'seine-estuaire', paymentMethod: 'bank_transfer', buyer: TOWN_HALL_BUYER,
    items: [
      { amountCents: 25_00, quantity: 1, recipientName: NAME, recipientEmail: EMAIL },
      { amountCents: 25_00, quantity: 1, recipientName: 'Bénéficiaire Deux', recipientEmail: 'deux@example.org' },
    ],
  }, admin.headers);
  expect(town.status, JSON.stringify(town.json)).toBe(201);
  townOrderId = town.json.order.id;
  const paid = await api('POST', `/api/v1/orders/${townOrderId}/payments`, { amountCents: town.json.order.totalCents, reference: 'BNK-PD-1' }, admin.headers);
  expect(paid.status, JSON.stringify(paid.json)).toBe(201);
  // She spends some; the shop is settled; support blocks her lost voucher with a note naming her.
  await take(app, merchantId(app.database, 'librairie-la-galerne'), elodieVouchers[0]!, 12_34);
  clock.advance(3600_000);
  await settle(app, parisDate(clock.now()));
  blockVoucher({ database: app.database, clock }, { voucherId: own.vouchers[1]!.id, actor: 'operator:test', reason: 'other', note: `Perdu, signalé par ${NAME} (${EMAIL})` });
  clock.advance(60_000);
}, 60_000);
afterAll(() => app?.close());

describe('a data subject’s request, answered in the back-office', () => {
  it('finds, exports and erases one person; books, check-ledger and every report unchanged; her name and email nowhere', async () => {
    expect(occurrences(EMAIL).length).toBeGreaterThan(3);
    expect(occurrences(NAME).some((o) => o.startsWith('audit_log.'))).toBe(true);
    expect(occurrences(EMAIL).some((o) => o.startsWith('outbox_messages.recipient'))).toBe(true);
    const before = books();
    expect(before.checkLedger).toEqual([]);

    const op = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const page = await op.get('/operateur/donnees-personnelles');
    expect(page.res.status).toBe(200);
    const found = await op.post('/operateur/donnees-personnelles/recherche', { email: `  ${EMAIL.toUpperCase()} ` }, page.html);
    expect(found.res.status).toBe(200);
    expect(found.html).toContain('Commandes passées (acheteur)\u00a0: 1');

    const exported = await op.post('/operateur/donnees-personnelles/export', { email: EMAIL, reason: 'Demande par courriel du 1er mars' }, found.html);
    expect(exported.res.status).toBe(200);
    expect(exported.res.headers.get('content-disposition')).toContain('attachment');
    const data = JSON.parse(exported.html);
    expect(data.orders).toHaveLength(1);
    expect(data.orders[0].buyerName).toBe(NAME);
    expect(data.recipientVouchers).toHaveLength(1);
    expect(data.recipientVouchers[0].orderId).toBe(townOrderId);
    expect(data.messages.length).toBeGreaterThan(0);

    // Refused without the confirmation: nothing erased.
    const unconfirmed = await op.post('/operateur/donnees-personnelles/effacer', { email: EMAIL, reason: 'Demande du 1er mars' }, found.html);
    expect(unconfirmed.res.status).toBe(422);
    expect(occurrences(EMAIL).length).toBeGreaterThan(3);

    const erased = await op.post('/operateur/donnees-personnelles/effacer', { email: EMAIL, reason: `Demande de ${NAME} du 1er mars`, confirm: 'yes' }, found.html);
    expect(erased.res.status).toBe(200);
    expect(erased.html).toContain('Données effacées');

    expect(books()).toEqual(before);
    expect(occurrences(EMAIL)).toEqual([]);
    expect(occurrences(NAME)).toEqual([]);
    // Exports read after the erasure: the audit log as CSV, the person's own export.
    const csv = await op.get('/operateur/journal-audit.csv');
    expect(csv.res.status).toBe(200);
    expect(csv.html.toLowerCase()).not.toContain(EMAIL);
    expect(csv.html).not.toContain(NAME);
    expect(csv.html).toContain('personal_data_erase');
    const orders = await op.get(`/operateur/commandes?q=${encodeURIComponent('Marchand')}`);
    expect(orders.html).not.toContain(NAME);
    const again = await op.post('/operateur/donnees-personnelles/recherche', { email: EMAIL }, page.html);
    expect(again.html).toContain('Aucune donnée');
    // The vouchers still work for whoever holds them; the other buyer and the other beneficiary are untouched.
    expect(occurrences(OTHER.email).some((o) => o.startsWith('orders.buyer_email'))).toBe(true);
    expect(occurrences(OTHER.name).some((o) => o.startsWith('orders.buyer_name'))).toBe(true);
    expect(occurrences('deux@example.org').some((o) => o.startsWith('vouchers.recipient_email'))).toBe(true);
    expect(occurrences('paul.petit@example.net').some((o) => o.startsWith('vouchers.recipient_email'))).toBe(true);
    // Logged, under a digest of the address.
    const entry = app.database.sqlite.prepare(`SELECT actor, entity_type AS type, entity_id AS id, reason FROM audit_log WHERE action = 'personal_data_erase'`).get() as Record<string, string>;
    expect(entry).toMatchObject({ type: 'person', id: expect.stringMatching(/^sha256:[0-9a-f]{16}$/), reason: 'Demande de [effacé] du 1er mars' });
    expect(entry.actor).toMatch(/^operator:/);
    expect(app.database.sqlite.prepare(`SELECT count(*) FROM audit_log WHERE action = 'personal_data_export' AND entity_id = ?`).pluck().get(entry.id)).toBe(1);
  });

  it('refuses an erasure under an address that holds nothing (4xx, no audit entry)', async () => {
    const op = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const page = await op.get('/operateur/donnees-personnelles');
    const n = () => app.database.sqlite.prepare(`SELECT count(*) FROM audit_log WHERE action = 'personal_data_erase'`).pluck().get();
    const before = n();
    const r = await op.post('/operateur/donnees-personnelles/effacer', { email: 'nobody@example.net', reason: 'test', confirm: 'yes' }, page.html);
    expect(r.res.status).toBe(404);
    const bad = await op.post('/operateur/donnees-personnelles/effacer', { email: 'not an email', reason: 'test', confirm: 'yes' }, page.html);
    expect(bad.res.status).toBe(422);
    expect(n()).toBe(before);
  });

  it('sets a campaign’s retention from the page; a nonsense number is refused with the allowed range', async () => {
    const op = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const page = await op.get('/operateur/donnees-personnelles');
    expect(page.html).toContain('id="pd-months-seine-estuaire"');
    const months = () => app.database.sqlite.prepare(`SELECT personal_data_retention_months FROM campaigns WHERE slug = 'seine-estuaire'`).pluck().get();
    const bad = await op.post('/operateur/donnees-personnelles/conservation', { campaign: 'seine-estuaire', months: '1e3' }, page.html);
    expect(bad.res.status).toBe(422);
    expect(bad.html).toContain('entre 1 et 120');
    expect(months()).toBe(24);
    const ok = await op.post('/operateur/donnees-personnelles/conservation', { campaign: 'seine-estuaire', months: '36' }, page.html);
    expect(ok.res.status).toBe(200);
    expect(months()).toBe(36);
    expect(app.database.sqlite.prepare(`SELECT after FROM audit_log WHERE action = 'campaign_retention_set'`).pluck().get()).toBe('{"months":36}');
  });
});
