import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { systemClock } from '../../server/lib/clock';
import { readOn } from '../../server/web/backend-units';
import { rowOf, rowsOf } from '../support/backend-query';
import { cardBox } from '../../server/pdf/voucher-sheets';
import { adminKey, COMPANY_BUYER, shopKey, TOWN_HALL_BUYER, type BuiltKey } from '../support/builders';
import { startTestApp, type TestApp } from '../support/test-app';
import { popplerAvailable } from '../support/poppler';

/**
 * Organisations' bulk orders paid by bank transfer, end to end over HTTP: partial,
 * replayed, conflicting and completing transfers; overpayment; roles; validation that
 * creates nothing; the employer gift ceiling; the printable sheets read back; a fee.
 */
const hasPoppler = popplerAvailable(); // skipped with a notice without poppler-utils; mandatory under REQUIRE_POPPLER=1 (CI)
const YEAR = new Date().getFullYear();

const TOWN_HALL = TOWN_HALL_BUYER;
const COMPANY = COMPANY_BUYER;

describe('organisation bulk orders paid by bank transfer (HTTP)', () => {
  let app: TestApp;
  let admin: BuiltKey;
  let merchant: BuiltKey;

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = res.headers.get('content-type') ?? '';
    const json = type.includes('json') ? await res.json() : undefined;
    return { res, status: res.status, json };
  };
  const createOrder = (body: Record<string, unknown>) => api('POST', '/api/v1/orders', { campaign: 'seine-estuaire', paymentMethod: 'bank_transfer', ...body });
  const pay = (orderId: string, amountCents: number, reference: string, headers: Record<string, string> = admin.headers) =>
    api('POST', `/api/v1/orders/${orderId}/payments`, { amountCents, reference }, headers);
  // Rows read on the app's backend (SQLite, or PostgreSQL under TEST_BACKEND=postgres).
  const count = async (sql: string, params: Record<string, string> = {}) => (await rowOf<{ n: number }>(app, sql, params))!.n;
  const soldCents = () => count(`SELECT sold_cents AS n FROM campaigns WHERE slug = 'seine-estuaire'`);
  const ledgerBreaches = () => readOn(app, (dialect) => ledgerChecks(FULL, dialect));

  beforeAll(async () => {
    // Keys made on the seeded SQLite file before the app starts (copied to PostgreSQL with the rest).
    app = await startTestApp({
      prepare: (database) => {
        admin = adminKey({ database, clock: systemClock });
        merchant = shopKey({ database, clock: systemClock }, 'librairie-la-galerne');
      },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('a town hall orders 1 000 vouchers, pays in two transfers, gets its vouchers, codes and invoice', async () => {
    const soldBefore = await soldCents();
    const items = Array.from({ length: 1000 }, (_, i) => ({
      amountCents: 2000,
      quantity: 1,
      recipientName: `Bénéficiaire ${i + 1}`,
      ...(i % 10 === 0 ? { recipientEmail: `beneficiaire${i + 1}@example.org` } : {}),
    }));
    // 1 000 vouchers: more than anyone may order online (500); the operator places it.
    const online = await createOrder({ buyer: TOWN_HALL, items });
    expect(online.status).toBe(422);
    expect(online.json.error.code).toBe('ORDER_LIMIT_EXCEEDED');
    const created = await api('POST', '/api/v1/orders', { campaign: 'seine-estuaire', paymentMethod: 'bank_transfer', buyer: TOWN_HALL, items }, admin.headers);
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const order = created.json.order;
    const total = 1000 * 2000;
    expect(order).toMatchObject({ status: 'pending_payment', paymentMethod: 'bank_transfer', buyerType: 'municipality', totalCents: total, paidCents: 0, remainingCents: total, overpaidCents: 0 });
    expect(order.transfer.reference).toMatch(/^VIR[A-Z0-9]+$/);
    expect(order.transfer.iban).toBeTruthy();
    expect(order.transfer.bic).toBeTruthy();
    const token = { authorization: `Bearer ${created.json.accessToken}` };

    const view = await api('GET', `/api/v1/orders/${order.id}`, undefined, token);
    expect(view.status).toBe(200);
    expect(view.json.order.status).toBe('pending_payment');
    expect(view.json.vouchers).toHaveLength(0);
    // Not paid yet: no printable vouchers, no invoice.
    expect((await api('GET', `/api/v1/orders/${order.id}/vouchers.pdf`, undefined, token)).status).toBe(409);
    expect((await api('GET', `/api/v1/orders/${order.id}/invoice.pdf`, undefined, token)).status).toBe(409);

    // 30 % arrives first.
    const first = Math.round(total * 0.3);
    const partial = await pay(order.id, first, 'BNK-2026-0001');
    expect(partial.status, JSON.stringify(partial.json)).toBe(201);
    expect(partial.json).toMatchObject({ issued: false, replayed: false });
    expect(partial.json.order).toMatchObject({ status: 'pending_payment', paidCents: first, remainingCents: total - first, overpaidCents: 0 });
    expect(await count('SELECT COUNT(*) AS n FROM vouchers WHERE order_id = @p', { p: order.id })).toBe(0);
    expect(await ledgerBreaches()).toEqual([]);

    // The bank statement is imported twice: nothing doubles.
    const replay = await pay(order.id, first, 'BNK-2026-0001');
    expect(replay.status).toBe(200);
    expect(replay.json).toMatchObject({ issued: false, replayed: true });
    expect(replay.json.order).toMatchObject({ paidCents: first, remainingCents: total - first });
    expect(await count('SELECT COUNT(*) AS n FROM payments WHERE order_id = @p', { p: order.id })).toBe(1);

    // Same bank reference, another amount: refused.
    const reused = await pay(order.id, total - first, 'BNK-2026-0001');
    expect(reused.status).toBe(409);
    expect(reused.json.error.code).toBe('PAYMENT_REFERENCE_REUSED');
    expect(await count('SELECT COUNT(*) AS n FROM payments WHERE order_id = @p', { p: order.id })).toBe(1);

    // The rest: all 1 000 vouchers issued at once.
    const rest = await pay(order.id, total - first, 'BNK-2026-0002');
    expect(rest.status, JSON.stringify(rest.json)).toBe(201);
    expect(rest.json).toMatchObject({ issued: true, replayed: false });
    expect(rest.json.order).toMatchObject({ status: 'paid', paidCents: total, remainingCents: 0, overpaidCents: 0 });
    expect(rest.json.order.paidAt).toBeTruthy();

    const paidView = await api('GET', `/api/v1/orders/${order.id}`, undefined, token);
    expect(paidView.json.order.status).toBe('paid');
    expect(paidView.json.vouchers).toHaveLength(1000);
    expect(paidView.json.vouchers.every((v: { amountCents: number; balanceCents: number }) => v.amountCents === 2000 && v.balanceCents === 2000)).toBe(true);
    const ids = new Set((await rowsOf<{ id: string }>(app, 'SELECT id FROM vouchers WHERE order_id = @order', { order: order.id })).map((v) => v.id));
    const beneficiaryMails = await rowsOf<{ payload: string }>(app, `SELECT payload FROM outbox_messages WHERE kind = 'beneficiary_voucher'`);
    expect(beneficiaryMails.filter((m) => ids.has((JSON.parse(m.payload) as { voucherId: string }).voucherId))).toHaveLength(100);

    // The invoice, numbered FAC-YEAR-NNNNNN.
    const invoice = await fetch(`${app.url}/api/v1/orders/${order.id}/invoice.pdf`, { headers: token });
    expect(invoice.status).toBe(200);
    expect(invoice.headers.get('content-type')).toContain('application/pdf');
    const disposition = invoice.headers.get('content-disposition') ?? '';
    const number = new RegExp(`FAC-${YEAR}-\\d{6}`).exec(disposition)?.[0];
    expect(number, disposition).toBeTruthy();
    const pdf = Buffer.from(await invoice.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    if (hasPoppler) {
      const dir = mkdtempSync(join(tmpdir(), 'bulk-invoice-'));
      try {
        writeFileSync(join(dir, 'invoice.pdf'), pdf);
        expect(execFileSync('pdftotext', [join(dir, 'invoice.pdf'), '-']).toString()).toContain(number!);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    expect(await count('SELECT COUNT(*) AS n FROM invoices WHERE order_id = @p', { p: order.id })).toBe(1);

    // The codes for the town hall's own tools: 1 000 distinct codes, those of the order.
    const csv = await fetch(`${app.url}/api/v1/orders/${order.id}/vouchers.csv`, { headers: token });
    expect(csv.status).toBe(200);
    const lines = (await csv.text()).replace(/^\ufeff/, '').split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('code;montant;statut;expire_le;beneficiaire;email;url');
    const codes = lines.slice(1).map((l) => l.split(';')[0]);
    expect(codes).toHaveLength(1000);
    expect(new Set(codes).size).toBe(1000);
    expect(new Set(codes)).toEqual(new Set(paidView.json.vouchers.map((v: { code: string }) => v.code)));

    expect((await soldCents()) - soldBefore).toBe(total);
    expect(await ledgerBreaches()).toEqual([]);

    // A transfer recorded again after issue is still a replay, nothing is issued twice.
    const late = await pay(order.id, total - first, 'BNK-2026-0002');
    expect(late.status).toBe(200);
    expect(late.json).toMatchObject({ issued: false, replayed: true });
    expect(await count('SELECT COUNT(*) AS n FROM vouchers WHERE order_id = @p', { p: order.id })).toBe(1000);
  }, 120_000);

  it('an overpayment issues the vouchers and flags the order for a refund', async () => {
    const created = await createOrder({ buyer: TOWN_HALL, items: [{ amountCents: 5000, quantity: 4 }] });
    expect(created.status).toBe(201);
    const order = created.json.order;
    const paid = await pay(order.id, order.totalCents + 1234, 'BNK-OVER-1');
    expect(paid.status).toBe(201);
    expect(paid.json.issued).toBe(true);
    expect(paid.json.order).toMatchObject({ status: 'paid', reviewReason: 'overpaid', overpaidCents: 1234, remainingCents: 0, paidCents: order.totalCents + 1234 });
    expect(await count('SELECT COUNT(*) AS n FROM vouchers WHERE order_id = @p', { p: order.id })).toBe(4);
    expect(await ledgerBreaches()).toEqual([]);
  });

  it('guards the payments endpoint and the organisation rules, creating nothing on refusal', async () => {
    const created = await createOrder({ buyer: TOWN_HALL, items: [{ amountCents: 1000, quantity: 2 }] });
    expect(created.status).toBe(201);
    const id = created.json.order.id;

    expect((await api('POST', `/api/v1/orders/${id}/payments`, { amountCents: 2000, reference: 'BNK-ROLE-1' })).status).toBe(401);
    expect((await pay(id, 2000, 'BNK-ROLE-1', merchant.headers)).status).toBe(403);
    // The buyer's own token is not an operator key either.
    expect((await pay(id, 2000, 'BNK-ROLE-1', { authorization: `Bearer ${created.json.accessToken}` })).status).toBeGreaterThanOrEqual(401);
    const unknown = await pay('no-such-order', 2000, 'BNK-ROLE-1');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('ORDER_NOT_FOUND');
    expect(await count('SELECT COUNT(*) AS n FROM payments WHERE provider_ref = @p', { p: 'BNK-ROLE-1' })).toBe(0);
    expect(await count('SELECT COUNT(*) AS n FROM orders WHERE id = @p AND paid_cents = 0', { p: id })).toBe(1);

    const orders = () => count('SELECT COUNT(*) AS n FROM orders');
    const organisations = () => count('SELECT COUNT(*) AS n FROM organisations');
    const before = { orders: await orders(), organisations: await organisations() };

    const individual = await createOrder({ buyer: { type: 'individual', name: 'Zoé', email: 'zoe@example.org' }, items: [{ amountCents: 2000, quantity: 1 }] });
    expect(individual.status).toBe(422);
    expect(individual.json.error.code).toBe('PAYMENT_METHOD_UNAVAILABLE');

    const badSiret = await createOrder({ buyer: { ...COMPANY, siret: '73282932000075' }, items: [{ amountCents: 2000, quantity: 5 }] });
    expect(badSiret.status).toBe(422);
    expect(badSiret.json.error.code).toBe('VALIDATION_FAILED');
    expect(badSiret.json.error.fields).toMatchObject({ 'buyer.siret': expect.any(String) });

    const { address: _address, ...noAddress } = COMPANY;
    const missingAddress = await createOrder({ buyer: noAddress, items: [{ amountCents: 2000, quantity: 5 }] });
    expect(missingAddress.status).toBe(422);
    expect(missingAddress.json.error.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(missingAddress.json.error.fields).some((f) => f.startsWith('buyer.address'))).toBe(true);

    // 2 × 150 € for one named employee: above the 200 € yearly ceiling.
    const overCeiling = { buyer: COMPANY, items: [{ amountCents: 15000, quantity: 2, recipientName: 'Paul Henry' }] };
    const refused = await createOrder(overCeiling);
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe('EMPLOYER_CEILING_EXCEEDED');

    expect({ orders: await orders(), organisations: await organisations() }).toEqual(before);

    const withEvent = await createOrder({ ...overCeiling, giftEvent: 'noel' });
    expect(withEvent.status, JSON.stringify(withEvent.json)).toBe(201);
    expect(withEvent.json.order).toMatchObject({ giftEvent: 'noel', totalCents: 30000, status: 'pending_payment' });
    expect(await orders()).toBe(before.orders + 1);
  });

  it.runIf(hasPoppler)('prints sheets whose QR codes open the order’s own vouchers', async () => {
    const created = await createOrder({
      buyer: COMPANY,
      giftEvent: 'noel',
      items: Array.from({ length: 10 }, (_, i) => ({ amountCents: [1000, 2000, 5000][i % 3]!, quantity: 1, recipientName: `Salarié ${i + 1}` })),
    });
    expect(created.status).toBe(201);
    const order = created.json.order;
    expect((await pay(order.id, order.totalCents, 'BNK-SHEETS-1')).json.issued).toBe(true);
    const token = { authorization: `Bearer ${created.json.accessToken}` };
    const { json } = await api('GET', `/api/v1/orders/${order.id}`, undefined, token);
    expect(json.vouchers).toHaveLength(10);
    const urls = new Set(json.vouchers.map((v: { code: string }) => `${app.url}/v/${v.code.replace(/-/g, '')}`));

    // A PDF link cannot send a header: the token in the query string works too.
    const res = await fetch(`${app.url}/api/v1/orders/${order.id}/vouchers.pdf?token=${created.json.accessToken}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/pdf');
    const dir = mkdtempSync(join(tmpdir(), 'bulk-sheets-'));
    try {
      const file = join(dir, 'sheets.pdf');
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      expect(execFileSync('pdfinfo', [file]).toString()).toMatch(/Pages:\s+2/);
      const DPI = 150;
      execFileSync('pdftoppm', ['-png', '-r', String(DPI), '-f', '1', '-l', '1', '-singlefile', file, join(dir, 'page-1')]);
      const page = PNG.sync.read(readFileSync(join(dir, 'page-1.png')));
      const k = DPI / 72;
      const decoded: string[] = [];
      for (let slot = 0; slot < 8; slot++) {
        const box = cardBox(slot);
        const [x0, y0, w, h] = [Math.floor(box.x * k), Math.floor(box.y * k), Math.ceil(box.w * k), Math.ceil(box.h * k)];
        const crop = new PNG({ width: w, height: h });
        PNG.bitblt(page, crop, x0, y0, w, h, 0, 0);
        const qr = jsQR(new Uint8ClampedArray(crop.data.buffer, crop.data.byteOffset, crop.data.length), w, h);
        if (qr) decoded.push(qr.data);
      }
      expect(decoded).toHaveLength(8); // page 1: the first 8 of the 10 cards
      for (const data of decoded) expect(urls.has(data), data).toBe(true);
      expect(new Set(decoded).size).toBe(decoded.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('charges the campaign’s organisation fee with VAT and books it on payment', async () => {
    // The QR decoding above holds the event loop for seconds, past the server's keep-alive
    // timeout: one turn of the loop lets the client see that idle socket closed before reusing it.
    await new Promise((resolve) => setImmediate(resolve));
    await rowsOf(app, `UPDATE campaigns SET org_fee_bps = 300 WHERE slug = 'seine-estuaire'`);
    try {
      const created = await createOrder({ buyer: COMPANY, items: [{ amountCents: 5000, quantity: 20 }] });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      const order = created.json.order;
      expect(order).toMatchObject({ totalCents: 1000_00 + 30_00 + 6_00, feeCents: 30_00, feeVatCents: 6_00 });
      const soldBefore = await soldCents();

      const paid = await pay(order.id, order.totalCents, 'BNK-FEE-1');
      expect(paid.status).toBe(201);
      expect(paid.json.issued).toBe(true);
      expect(paid.json.order).toMatchObject({ status: 'paid', remainingCents: 0, overpaidCents: 0 });
      expect((await soldCents()) - soldBefore).toBe(1000_00);
      expect(await count('SELECT COUNT(*) AS n FROM invoices WHERE order_id = @p', { p: order.id })).toBe(1);
      const invoice = await fetch(`${app.url}/api/v1/orders/${order.id}/invoice.pdf`, { headers: admin.headers });
      expect(invoice.status).toBe(200);
      expect(invoice.headers.get('content-disposition')).toMatch(new RegExp(`FAC-${YEAR}-\\d{6}`));

      const lines = await rowsOf<{ account: string; cents: number }>(
        app,
        `SELECT l.account, SUM(l.amount_cents) AS cents FROM journal_lines l JOIN journals j ON j.id = l.journal_id WHERE j.order_id = @order GROUP BY l.account`,
        { order: order.id },
      );
      const byAccount = Object.fromEntries(lines.map((l) => [l.account, l.cents]));
      expect(byAccount).toMatchObject({ service_fee_revenue: -30_00, vat_collected: -6_00, voucher_liability: -1000_00 });
      expect(await ledgerBreaches()).toEqual([]);
    } finally {
      await rowsOf(app, `UPDATE campaigns SET org_fee_bps = 0 WHERE slug = 'seine-estuaire'`);
    }
  });
});
