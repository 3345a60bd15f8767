import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database_ } from '../../db/client';
import { ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { recordBankTransfer } from '../../server/domain/orders/bank-transfers-service';
import { createOrder } from '../../server/domain/orders/orders-service';
import { handleProviderEvent } from '../../server/domain/orders/payment-events-service';
import { redeem } from '../../server/domain/redemptions/redemptions-service';
import { runSettlement } from '../../server/domain/settlements/run-settlement';
import { listOrderVouchers } from '../../server/domain/vouchers/vouchers-repository';
import { blockVoucher } from '../../server/domain/vouchers/support-service';
import { parisDate } from '../../server/lib/paris-time';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { DemoProvider } from '../../server/payments/demo-provider';
import { impactProgram } from '../../server/reports/impact';
import { liabilityProgram } from '../../server/reports/liability';
import { reconciliationProgram } from '../../server/reports/reconciliation';
import { readOn } from '../../server/web/backend-units';
import { rowOf, rowsOf } from '../support/backend-query';
import { TOWN_HALL_BUYER } from '../support/builders';
import { DEMO_ADMIN_EMAIL, operatorClient } from '../support/operator';
import { merchantId } from '../support/settlement';
import { fixedClock, startTestApp, type FormClient, type TestApp } from '../support/test-app';

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
const silent = createLogger('silent');
const operator = loadOperator({}, false);
// The data are built on SQLite before the app starts (and copied over on PostgreSQL): SEPA files land here.
const settlementDir = mkdtempSync(join(tmpdir(), 'personal-data-settlement-'));

async function individualOrder(database: Database_, buyer: { name: string; email: string }, items: { amountCents: number; quantity: number; recipientName?: string; recipientEmail?: string; message?: string }[]) {
  const payments = new DemoProvider('http://localhost:3000');
  const deps = { database, clock, payments, baseUrl: 'http://localhost:3000', logger: silent, operator };
  const created = await createOrder(deps, { campaignSlug: 'seine-estuaire', buyer: { type: 'individual', ...buyer }, items, paymentMethod: 'card', locale: 'fr' });
  handleProviderEvent(deps, payments.simulatedEvent(created.order.checkoutRef!, 'paid', created.order.totalCents));
  return { orderId: created.order.id, vouchers: listOrderVouchers(database.db, created.order.id) };
}

/** The town hall's list of beneficiaries, ordered and paid by bank transfer. */
async function townHallOrder(database: Database_, items: { amountCents: number; quantity: number; recipientName: string; recipientEmail: string }[]) {
  const deps = { database, clock, payments: new DemoProvider('http://localhost:3000'), baseUrl: 'http://localhost:3000', logger: silent, operator };
  const buyer = { ...TOWN_HALL_BUYER, address: { ...TOWN_HALL_BUYER.address, lines: [...TOWN_HALL_BUYER.address.lines] } };
  const created = await createOrder(deps, { campaignSlug: 'seine-estuaire', buyer, items, paymentMethod: 'bank_transfer', locale: 'fr' });
  await recordBankTransfer({ database, clock, operator }, { orderId: created.order.id, amountCents: created.order.totalCents, reference: 'BNK-PD-1', actor: 'test' });
  return created.order.id;
}

/** Everything an accountant, an auditor or the town reads: the books, every report and export, check-ledger (on the app's backend). */
async function books(op: FormClient) {
  const now = clock.now();
  const rows = (sql: string) => rowsOf(app, sql);
  return {
    journals: await rows('SELECT * FROM journals ORDER BY id'),
    journalLines: await rows('SELECT * FROM journal_lines ORDER BY id'),
    movements: await rows('SELECT * FROM movements ORDER BY id'),
    payments: await rows('SELECT * FROM payments ORDER BY id'),
    invoices: await rows('SELECT * FROM invoices ORDER BY id'),
    statements: await rows('SELECT * FROM statements ORDER BY id'),
    vouchersMoney: await rows('SELECT id, code, campaign_id, order_id, amount_cents, balance_cents, status, expires_at FROM vouchers ORDER BY id'),
    ordersMoney: await rows('SELECT id, reference, campaign_id, status, buyer_type, total_cents, fee_cents, paid_cents, refunded_cents, bonus_cents FROM orders ORDER BY id'),
    campaigns: await rows('SELECT id, sold_cents, redeemed_cents, bonus_used_cents, bonus_reserved_cents FROM campaigns ORDER BY id'),
    checkLedger: await readOn(app, (d) => ledgerChecks(FULL, d)),
    liability: await readOn(app, () => liabilityProgram(now)),
    reconciliation: await readOn(app, () => reconciliationProgram(now)),
    impact: await readOn(app, () => impactProgram(now)),
    fec: await download(op, '/operateur/rapports/fec.txt'),
    journalCsv: await download(op, '/operateur/rapports/journal.csv'),
  };
}

/** An export as the accountant downloads it (refused on anything but 200: an error page would compare equal). */
async function download(op: FormClient, path: string): Promise<string> {
  const r = await op.get(path);
  expect(r.res.status, path).toBe(200);
  expect(r.html.split('\n').length, path).toBeGreaterThan(2);
  return r.html;
}

/** Every row of every table whose text holds `needle` (case-insensitive), as « table.column: value », on the app's backend. */
async function occurrences(needle: string): Promise<string[]> {
  const columns = app.pg
    ? await rowsOf<{ t: string; c: string }>(app, `SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying') ORDER BY table_name, column_name`)
    : await rowsOf<{ t: string; c: string }>(
        app,
        `SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND NOT (p.type LIKE '%int%' OR p.type LIKE '%real%') ORDER BY t, c`,
      );
  const found: string[] = [];
  const contains = app.pg ? (c: string) => `strpos(lower("${c}"), lower(@n)) > 0` : (c: string) => `instr(lower(CAST("${c}" AS TEXT)), lower(@n)) > 0`;
  for (const { t, c } of columns) {
    const hits = await rowsOf<{ v: string }>(app, `SELECT "${c}" AS v FROM "${t}" WHERE ${contains(c)}`, { n: needle });
    for (const h of hits) found.push(`${t}.${c}: ${String(h.v).slice(0, 120)}`);
  }
  return found;
}

let townOrderId = '';

beforeAll(async () => {
  app = await startTestApp({
    clock,
    prepare: async (database) => {
      // She buys for herself and for a friend, with a message that names her.
      const own = await individualOrder(database, { name: NAME, email: EMAIL }, [
        { amountCents: 50_00, quantity: 1 },
        { amountCents: 30_00, quantity: 1, recipientName: 'Paul Petit', recipientEmail: 'paul.petit@example.net', message: `Joyeux anniversaire ! ${NAME}` },
      ]);
      // Someone else, who asked nothing: untouched.
      await individualOrder(database, OTHER, [{ amountCents: 20_00, quantity: 1 }]);
      // The town hall's list of beneficiaries names her too.
      townOrderId = await townHallOrder(database, [
        { amountCents: 25_00, quantity: 1, recipientName: NAME, recipientEmail: EMAIL },
        { amountCents: 25_00, quantity: 1, recipientName: 'Bénéficiaire Deux', recipientEmail: 'deux@example.org' },
      ]);
      // She spends some; the shop is settled; support blocks her lost voucher with a note naming her.
      redeem({ database, clock, voidWindowMinutes: 10 }, { merchantId: merchantId(database, 'librairie-la-galerne'), actor: 'test', code: own.vouchers[0]!.code, amountCents: 12_34, idempotencyKey: 'personal-data-1' });
      clock.advance(3600_000);
      await runSettlement({ database, clock, voidWindowMinutes: 10, operator, dataDir: settlementDir, transfers: null }, { until: parisDate(clock.now()), actor: 'test' });
      blockVoucher({ database, clock }, { voucherId: own.vouchers[1]!.id, actor: 'operator:test', reason: 'other', note: `Perdu, signalé par ${NAME} (${EMAIL})` });
      clock.advance(60_000);
    },
  });
}, 60_000);
afterAll(async () => {
  await app?.close();
  rmSync(settlementDir, { recursive: true, force: true });
});

describe('a data subject’s request, answered in the back-office', () => {
  it('finds, exports and erases one person; books, check-ledger and every report unchanged; her name and email nowhere', async () => {
    expect((await occurrences(EMAIL)).length).toBeGreaterThan(3);
    expect((await occurrences(NAME)).some((o) => o.startsWith('audit_log.'))).toBe(true);
    expect((await occurrences(EMAIL)).some((o) => o.startsWith('outbox_messages.recipient'))).toBe(true);
    const op = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const before = await books(op);
    expect(before.checkLedger).toEqual([]);

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
    expect((await occurrences(EMAIL)).length).toBeGreaterThan(3);

    const erased = await op.post('/operateur/donnees-personnelles/effacer', { email: EMAIL, reason: `Demande de ${NAME} du 1er mars`, confirm: 'yes' }, found.html);
    expect(erased.res.status).toBe(200);
    expect(erased.html).toContain('Données effacées');

    expect(await books(op)).toEqual(before);
    expect(await occurrences(EMAIL)).toEqual([]);
    expect(await occurrences(NAME)).toEqual([]);
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
    expect((await occurrences(OTHER.email)).some((o) => o.startsWith('orders.buyer_email'))).toBe(true);
    expect((await occurrences(OTHER.name)).some((o) => o.startsWith('orders.buyer_name'))).toBe(true);
    expect((await occurrences('deux@example.org')).some((o) => o.startsWith('vouchers.recipient_email'))).toBe(true);
    expect((await occurrences('paul.petit@example.net')).some((o) => o.startsWith('vouchers.recipient_email'))).toBe(true);
    // Logged, under a digest of the address.
    const entry = (await rowOf<Record<string, string>>(app, `SELECT actor, entity_type AS type, entity_id AS id, reason FROM audit_log WHERE action = 'personal_data_erase'`))!;
    expect(entry).toMatchObject({ type: 'person', id: expect.stringMatching(/^sha256:[0-9a-f]{16}$/), reason: 'Demande de [effacé] du 1er mars' });
    expect(entry.actor).toMatch(/^operator:/);
    expect(await rowOf(app, `SELECT count(*) AS n FROM audit_log WHERE action = 'personal_data_export' AND entity_id = @id`, { id: entry.id! })).toEqual({ n: 1 });
  });

  it('refuses an erasure under an address that holds nothing (4xx, no audit entry)', async () => {
    const op = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const page = await op.get('/operateur/donnees-personnelles');
    const n = async () => (await rowOf<{ n: number }>(app, `SELECT count(*) AS n FROM audit_log WHERE action = 'personal_data_erase'`))!.n;
    const before = await n();
    const r = await op.post('/operateur/donnees-personnelles/effacer', { email: 'nobody@example.net', reason: 'test', confirm: 'yes' }, page.html);
    expect(r.res.status).toBe(404);
    const bad = await op.post('/operateur/donnees-personnelles/effacer', { email: 'not an email', reason: 'test', confirm: 'yes' }, page.html);
    expect(bad.res.status).toBe(422);
    expect(await n()).toBe(before);
  });

  it('sets a campaign’s retention from the page; a nonsense number is refused with the allowed range', async () => {
    const op = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const page = await op.get('/operateur/donnees-personnelles');
    expect(page.html).toContain('id="pd-months-seine-estuaire"');
    const months = async () => (await rowOf<{ m: number }>(app, `SELECT personal_data_retention_months AS m FROM campaigns WHERE slug = 'seine-estuaire'`))!.m;
    const bad = await op.post('/operateur/donnees-personnelles/conservation', { campaign: 'seine-estuaire', months: '1e3' }, page.html);
    expect(bad.res.status).toBe(422);
    expect(bad.html).toContain('entre 1 et 120');
    expect(await months()).toBe(24);
    const ok = await op.post('/operateur/donnees-personnelles/conservation', { campaign: 'seine-estuaire', months: '36' }, page.html);
    expect(ok.res.status).toBe(200);
    expect(await months()).toBe(36);
    expect(await rowOf(app, `SELECT after FROM audit_log WHERE action = 'campaign_retention_set'`)).toEqual({ after: '{"months":36}' });
  });
});
