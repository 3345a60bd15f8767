import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rowOf } from '../support/backend-query';
import { COMPANY_BUYER, TOWN_HALL_BUYER, type BuiltKey } from '../support/builders';
import { adminKeyOn } from '../support/builders';
import { fatal, saxonAvailable, validateEn16931 } from '../support/en16931';
import { popplerAvailable } from '../support/poppler';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

/**
 * An organisation's invoice is issued when its transfers complete the order. The operator
 * records each transfer with the day the bank received it, often days later: the invoice
 * says « acquittée » on the day the money arrived, not the day it was recorded, shows what
 * was paid and 0 to pay (PDF, and BT-113/BT-115 in a public body's Factur-X, filed in Chorus
 * Pro's « facture déjà payée » frame), and its XML passes the EN 16931 business rules.
 */
const hasPoppler = popplerAvailable();
const hasSaxon = saxonAvailable();

const RECORDED = new Date('2026-03-10T09:30:00Z');
const PLACED = new Date('2026-02-27T10:00:00+01:00');

describe('invoices of orders paid by transfer, dated by the transfers’ received date (HTTP)', () => {
  let app: TestApp;
  let admin: BuiltKey;
  let dir = '';

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${app.url}${path}`, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (res.headers.get('content-type') ?? '').includes('json') ? await res.json() : undefined, res };
  };
  // Orders are placed before their transfers arrive (a transfer quotes the order's reference): on 27 February.
  const clock = fixedClock(RECORDED);
  const order = async (buyer: Record<string, unknown>, items: { amountCents: number; quantity: number }[]) => {
    clock.set(PLACED);
    const created = await api('POST', '/api/v1/orders', { campaign: 'seine-estuaire', paymentMethod: 'bank_transfer', buyer, items });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    clock.set(RECORDED);
    return { id: created.json.order.id as string, total: created.json.order.totalCents as number, token: { authorization: `Bearer ${created.json.accessToken}` } };
  };
  const pay = (orderId: string, amountCents: number, reference: string, receivedAt?: string) =>
    api('POST', `/api/v1/orders/${orderId}/payments`, { amountCents, reference, ...(receivedAt ? { receivedAt } : {}) }, admin.headers);
  const invoicePdf = async (orderId: string, token: Record<string, string>, name: string) => {
    const res = await fetch(`${app.url}/api/v1/orders/${orderId}/invoice.pdf`, { headers: token });
    expect(res.status).toBe(200);
    const file = join(dir, `${name}.pdf`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return file;
  };
  const text = (file: string) => execFileSync('pdftotext', ['-layout', file, '-']).toString().replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paid-invoices-'));
    app = await startTestApp({ clock });
    admin = await adminKeyOn(app);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a town hall’s two transfers, recorded on 10 March, received on 2 and 4 March: acquittée le 4 mars, 0 to pay, frame A2', async () => {
    const o = await order(TOWN_HALL_BUYER, [{ amountCents: 2000, quantity: 8 }]);
    expect(o.total).toBe(160_00);
    // Recorded out of order: the completing transfer is the one received last (4 March), whatever the recording order.
    expect((await pay(o.id, 100_00, 'BNK-RECU-0304', '2026-03-04T10:00:00+01:00')).status).toBe(201);
    const done = await pay(o.id, 60_00, 'BNK-RECU-0302', '2026-03-02T15:00:00+01:00');
    expect(done.status, JSON.stringify(done.json)).toBe(201);
    expect(done.json.issued).toBe(true);

    if (!hasPoppler) return;
    const pdf = await invoicePdf(o.id, o.token, 'town-hall');
    const words = text(pdf);
    for (const mention of ['Date d’émission 10 mars 2026', 'Total TTC 160,00 €', 'Déjà payé -160,00 €', 'Net à payer 0,00 €', 'Facture acquittée le 4 mars 2026']) expect(words, mention).toContain(mention);
    expect(words).not.toContain('Net à payer 160,00 €');
    expect(words).not.toContain('acquittée le 10 mars');

    // The Factur-X inside: paid amount, 0 due, the « déjà payée » frame, the received day.
    const xmlFile = join(dir, 'town-hall.xml');
    execFileSync('pdfdetach', ['-save', '1', '-o', xmlFile, pdf]);
    const xml = readFileSync(xmlFile, 'utf8');
    expect(xml).toContain('<ram:TotalPrepaidAmount>160.00</ram:TotalPrepaidAmount>');
    expect(xml).toContain('<ram:DuePayableAmount>0.00</ram:DuePayableAmount>');
    expect(xml).toMatch(/<ram:BusinessProcessSpecifiedDocumentContextParameter>\s*<ram:ID>A2<\/ram:ID>/);
    expect(xml).toContain('Facture acquittée le 04/03/2026.');
    if (hasSaxon) expect(fatal((await validateEn16931({ 'town-hall': xml }))['town-hall']!)).toEqual([]);
  }, 60_000);

  it('a company’s single transfer received four days before it was recorded: its plain PDF invoice says so', async () => {
    const o = await order(COMPANY_BUYER, [{ amountCents: 5000, quantity: 2 }]);
    const paid = await pay(o.id, o.total, 'BNK-RECU-0306', '2026-03-06T08:00:00Z');
    expect(paid.json.issued).toBe(true);
    if (!hasPoppler) return;
    const words = text(await invoicePdf(o.id, o.token, 'company'));
    for (const mention of ['Date d’émission 10 mars 2026', 'Déjà payé -100,00 €', 'Net à payer 0,00 €', 'Facture acquittée le 6 mars 2026']) expect(words, mention).toContain(mention);
  }, 60_000);

  it('refuses a transfer received in the future: the invoice would be « acquittée » on a day to come', async () => {
    const o = await order(COMPANY_BUYER, [{ amountCents: 2000, quantity: 1 }]);
    const tomorrow = await pay(o.id, o.total, 'BNK-FUTUR-1', '2026-03-11T09:30:00Z');
    expect(tomorrow.status).toBe(422);
    expect(tomorrow.json.error).toMatchObject({ code: 'VALIDATION_FAILED', fields: { receivedAt: expect.any(String) } });
    expect((await rowOf<{ n: number }>(app, 'SELECT COUNT(*) AS n FROM payments WHERE order_id = @id', { id: o.id }))!.n).toBe(0);
  });
});
