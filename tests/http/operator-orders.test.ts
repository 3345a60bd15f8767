import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperatorUser } from '../../server/domain/operators/operator-users-service';
import { systemClock } from '../../server/lib/clock';
import { parisDate } from '../../server/lib/paris-time';
import { rowOf } from '../support/backend-query';
import { buyVouchers, postOrder, TOWN_HALL_BUYER } from '../support/builders';
import { ledgerBreaches } from '../support/ledger-check';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';
import { operatorClient } from '../support/operator';

let app: TestApp;
let staff: FormClient;
/** A card order of two 20 € vouchers, paid before start (built on SQLite, copied to PostgreSQL). */
let cardOrderId: string;
const OPERATOR = { email: 'tresorerie@cci.example', password: 'treasury-password-1' };

beforeAll(async () => {
  app = await startTestApp({
    prepare: async (database) => {
      cardOrderId = (await buyVouchers({ database, clock: systemClock }, { amountCents: 20_00, quantity: 2 }))[0]!.orderId;
    },
  });
  await createOperatorUser(app, { ...OPERATOR, role: 'operator' });
  staff = await signedIn(OPERATOR.email, OPERATOR.password);
});
afterAll(() => app.close());

const signedIn = (email: string, password?: string) => operatorClient(app.url, email, password);

/** A town hall's order paid by bank transfer: 30 vouchers of 50 € (plus the campaign's fee, if any). */
async function transferOrder(organisation = 'Mairie de Montivilliers'): Promise<{ id: string; reference: string; totalCents: number }> {
  const res = await postOrder(app.url, { buyer: { ...TOWN_HALL_BUYER, organisation }, items: [{ amountCents: 5000, quantity: 30 }] });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.order;
}

/** The order's stored state (read on the app's backend, lower-case aliases: backend-query.ts). */
async function row(id: string): Promise<{ status: string; paidCents: number; cancelReason: string | null }> {
  const r = (await rowOf<{ status: string; paid_cents: number; cancel_reason: string | null }>(app, 'SELECT status, paid_cents, cancel_reason FROM orders WHERE id = @id', { id }))!;
  return { status: r.status, paidCents: r.paid_cents, cancelReason: r.cancel_reason };
}
const countOf = async (table: 'payments' | 'vouchers', orderId: string) => (await rowOf<{ n: number }>(app, `SELECT COUNT(*) AS n FROM ${table} WHERE order_id = @orderId`, { orderId }))!.n;
const paymentsOf = (id: string) => countOf('payments', id);
const vouchersOf = (id: string) => countOf('vouchers', id);
/** Cents as typed in France: « 1 234,50 ». */
const euros = (cents: number) => `${Math.floor(cents / 100).toLocaleString('fr-FR').replace(/\s/g, ' ')},${String(cents % 100).padStart(2, '0')}`;

/** Handlebars escapes = and & in attributes; browsers read them back. */
const unescape = (html: string) => html.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');

async function recordTransfer(c: FormClient, orderId: string, fields: Record<string, string>) {
  const page = await c.get(`/operateur/commandes/${orderId}`);
  return c.post(`/operateur/commandes/${orderId}/virements`, fields, page.html);
}

describe('orders list', () => {
  it('finds orders by reference, buyer or organisation and filters by status and payment method', async () => {
    const order = await transferOrder('Mairie de Harfleur');
    const byRef = await staff.get(`/operateur/commandes?q=${encodeURIComponent(order.reference.replace(/-/g, '').toLowerCase())}`);
    expect(byRef.res.status).toBe(200);
    expect(byRef.html).toContain(order.reference);
    expect(byRef.html).toContain('1 commande<');
    expect((await staff.get('/operateur/commandes?q=harfleur')).html).toContain(order.reference);
    expect((await staff.get('/operateur/commandes?q=harfleur&status=pending_payment&method=bank_transfer')).html).toContain(order.reference);
    expect((await staff.get('/operateur/commandes?q=harfleur&status=paid')).html).not.toContain(order.reference);
    expect((await staff.get('/operateur/commandes?q=harfleur&method=card')).html).not.toContain(order.reference);
    // Nonsense filters are ignored, never a 5xx; wildcards are taken literally.
    expect((await staff.get('/operateur/commandes?status=bogus&method[]=x&page=-3')).res.status).toBe(200);
    expect((await staff.get('/operateur/commandes?q=%25')).html).toContain('Aucune commande ne correspond.');
  });

  it('pages through the orders, keeping the filters in the links', async () => {
    for (let i = 0; i < 51; i += 17) await Promise.all(Array.from({ length: 17 }, () => transferOrder('Syndicat de pagination')));
    const first = await staff.get('/operateur/commandes?q=pagination');
    expect(first.html).toContain('51 commandes');
    expect(first.html).toContain('Page 1 sur 2');
    expect(unescape(first.html)).toContain('href="/operateur/commandes?q=pagination&page=2"');
    const second = await staff.get('/operateur/commandes?q=pagination&page=2');
    expect(second.html).toContain('Page 2 sur 2');
    expect(second.html.match(/<td><a href="\/operateur\/commandes\//g)).toHaveLength(1);
    expect(unescape(second.html)).toContain('href="/operateur/commandes?q=pagination"');
  });
});

describe('recording bank transfers', () => {
  it('records a partial transfer, then the rest: the order is paid, vouchers issued, invoice downloadable', async () => {
    const order = await transferOrder();
    const detail = await staff.get(`/operateur/commandes/${order.id}`);
    expect(detail.html).toContain('Mairie de Montivilliers');
    expect(detail.html).toContain('Enregistrer un virement');
    expect(detail.html).toContain('/proforma.pdf');

    const partial = await recordTransfer(staff, order.id, { amount: '1 000,00', reference: 'BANK-0001', receivedOn: parisDate(new Date()) });
    expect(partial.res.status).toBe(303);
    expect(await row(order.id)).toMatchObject({ status: 'pending_payment', paidCents: 100_000 });
    const after = await staff.get(partial.res.headers.get('location')!);
    expect(after.html).toContain('Virement enregistré. La commande attend le reste du paiement.');
    expect(after.html).toContain('BANK-0001');
    expect(after.html).toContain(euros(order.totalCents - 100_000).replace(' ', '\u202f'));

    // The same bank reference again: nothing counted twice.
    const replay = await recordTransfer(staff, order.id, { amount: '1000', reference: 'BANK-0001' });
    expect(replay.res.status).toBe(303);
    expect((await staff.get(replay.res.headers.get('location')!)).html).toContain('déjà enregistré');
    expect((await row(order.id)).paidCents).toBe(100_000);
    expect(await paymentsOf(order.id)).toBe(1);
    // Under the same reference a different amount is refused.
    const reused = await recordTransfer(staff, order.id, { amount: '12,00', reference: 'BANK-0001' });
    expect(reused.res.status).toBe(409);
    expect(reused.html).toContain('Cette référence bancaire a déjà été enregistrée');
    expect(await paymentsOf(order.id)).toBe(1);

    const rest = await recordTransfer(staff, order.id, { amount: euros(order.totalCents - 100_000), reference: 'BANK-0002' });
    expect(rest.res.status).toBe(303);
    expect(await row(order.id)).toMatchObject({ status: 'paid', paidCents: order.totalCents });
    expect(await vouchersOf(order.id)).toBe(30);
    const paid = await staff.get(rest.res.headers.get('location')!);
    expect(paid.html).toContain('la commande est payée, les bons sont émis');
    expect(paid.html).not.toContain('Annuler la commande');
    const invoiceLink = /href="(\/api\/v1\/orders\/[^"]+\/invoice\.pdf)"/.exec(paid.html)?.[1];
    expect(invoiceLink).toBeTruthy();

    const invoice = await staff.request(invoiceLink!);
    expect(invoice.status).toBe(200);
    expect(invoice.headers.get('content-type')).toContain('application/pdf');
    const sheets = await staff.request(`/api/v1/orders/${order.id}/vouchers.pdf`);
    expect(sheets.status).toBe(200);
    await sheets.arrayBuffer();
    const csv = await staff.request(`/api/v1/orders/${order.id}/vouchers.csv`);
    expect(csv.status).toBe(200);
    expect((await csv.text()).split('\r\n').filter(Boolean)).toHaveLength(31);
    // Without the operator session (and without token or key), the documents stay hidden.
    expect((await fetch(`${app.url}${invoiceLink}`)).status).toBe(404);
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('re-renders the form with a clear message on bad input and changes nothing', async () => {
    const order = await transferOrder();
    const cases: [Record<string, string>, string][] = [
      [{ amount: 'abc', reference: 'BANK-X1' }, 'Montant invalide'],
      [{ amount: '', reference: 'BANK-X2' }, 'Saisissez le montant reçu.'],
      [{ amount: '0', reference: 'BANK-X3' }, 'Montant invalide'],
      [{ amount: '10,999', reference: 'BANK-X4' }, 'Montant invalide'],
      [{ amount: '10', reference: '' }, 'Saisissez la référence bancaire'],
      [{ amount: '10', reference: '<script>' }, 'Référence invalide'],
      [{ amount: '10', reference: 'BANK-X5', receivedOn: '2099-01-01' }, 'ne peut pas être dans le futur'],
      [{ amount: '10', reference: 'BANK-X6', receivedOn: '2026-02-30' }, 'Date invalide.'],
    ];
    for (const [fields, message] of cases) {
      const res = await recordTransfer(staff, order.id, fields);
      expect(res.res.status, JSON.stringify(fields)).toBe(422);
      expect(res.html).toContain(message);
      expect(res.html).toContain('aria-invalid="true"');
    }
    const abc = await recordTransfer(staff, order.id, { amount: 'abc', reference: 'BANK-KEEP' });
    expect(abc.html).toContain('value="abc"');
    expect(abc.html).toContain('value="BANK-KEEP"');
    expect(await row(order.id)).toMatchObject({ status: 'pending_payment', paidCents: 0 });
    expect(await paymentsOf(order.id)).toBe(0);
  });

  it('refuses a transfer for a card order or a cancelled order with the reason', async () => {
    const order = await transferOrder();
    const page = await staff.get(`/operateur/commandes/${order.id}`);
    await staff.post(`/operateur/commandes/${order.id}/annuler`, { reason: 'Doublon de la commande précédente' }, page.html);
    const res = await staff.post(`/operateur/commandes/${order.id}/virements`, { amount: '10', reference: 'BANK-LATE' }, page.html);
    expect(res.res.status).toBe(409);
    expect(res.html).toContain('Cette commande est annulée.');
    const card = (await rowOf<{ id: string }>(app, `SELECT id FROM orders WHERE payment_method = 'card' AND status = 'paid' ORDER BY id LIMIT 1`))!;
    const cardPage = await staff.get(`/operateur/commandes/${card.id}`);
    expect(cardPage.html).not.toContain('/virements');
    const onCard = await staff.post(`/operateur/commandes/${card.id}/virements`, { amount: '10', reference: 'BANK-CARD' }, cardPage.html);
    expect(onCard.res.status).toBe(409);
    expect(onCard.html).toContain('Cette commande ne se règle pas par virement.');
    expect(await paymentsOf(card.id)).toBe(1);
  });

  it('refuses a form without its CSRF token', async () => {
    const order = await transferOrder();
    const res = await staff.request(`/operateur/commandes/${order.id}/virements`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'amount=10&reference=NO-CSRF' });
    expect(res.status).toBe(403);
    expect(await paymentsOf(order.id)).toBe(0);
  });

  it('answers 404 for an unknown order', async () => {
    expect((await staff.get('/operateur/commandes/no-such-order')).res.status).toBe(404);
  });
});

describe('cancelling an order', () => {
  it('cancels an unpaid order with a required reason', async () => {
    const order = await transferOrder();
    const page = await staff.get(`/operateur/commandes/${order.id}`);
    expect(page.html).toContain('Annuler la commande');
    const noReason = await staff.post(`/operateur/commandes/${order.id}/annuler`, { reason: ' ' }, page.html);
    expect(noReason.res.status).toBe(422);
    expect(noReason.html).toContain('Indiquez le motif');
    expect((await row(order.id)).status).toBe('pending_payment');
    const res = await staff.post(`/operateur/commandes/${order.id}/annuler`, { reason: 'La mairie a renoncé' }, page.html);
    expect(res.res.status).toBe(303);
    expect(await row(order.id)).toMatchObject({ status: 'cancelled' });
    expect((await row(order.id)).cancelReason).toContain('La mairie a renoncé');
    const after = await staff.get(res.res.headers.get('location')!);
    expect(after.html).toContain('Commande annulée.');
    expect(after.html).not.toContain('/virements');
  });

  it('refuses to cancel a paid order, or one that received part of its transfers', async () => {
    const paid = await transferOrder();
    const page = await staff.get(`/operateur/commandes/${paid.id}`);
    await recordTransfer(staff, paid.id, { amount: euros(paid.totalCents), reference: `FULL-${paid.reference}` });
    expect((await row(paid.id)).status).toBe('paid');
    const refused = await staff.post(`/operateur/commandes/${paid.id}/annuler`, { reason: 'Essai' }, page.html);
    expect(refused.res.status).toBe(409);
    expect(refused.html).toContain('Cette commande est payée\u00A0: elle ne peut pas être annulée ici.');
    expect((await row(paid.id)).status).toBe('paid');

    const partly = await transferOrder();
    await recordTransfer(staff, partly.id, { amount: '10', reference: `PART-${partly.reference}` });
    const refusedPartly = await staff.post(`/operateur/commandes/${partly.id}/annuler`, { reason: 'Essai' }, page.html);
    expect(refusedPartly.res.status).toBe(409);
    expect(refusedPartly.html).toContain('remboursez-les avant de l’annuler');
    expect(await row(partly.id)).toMatchObject({ status: 'pending_payment', paidCents: 1000 });
    expect(await ledgerBreaches(app)).toEqual([]);
  });
});

describe('refunding a card order from its page', () => {
  it('offers what is left, refunds it once, then lists the refund and offers nothing more', async () => {
    const admin = await signedIn('operateur@demo.bons-locaux.fr');
    const page = await admin.get(`/operateur/commandes/${cardOrderId}`);
    expect(page.res.status).toBe(200);
    expect(page.html).toMatch(/data-refundable>40,00\s€/u);
    expect(page.html).toContain('/rembourser"');
    const noReason = await admin.post(`/operateur/commandes/${cardOrderId}/rembourser`, { reason: ' ' }, page.html);
    expect(noReason.res.status).toBe(422);
    expect(await row(cardOrderId)).toMatchObject({ status: 'paid' });

    const done = await admin.post(`/operateur/commandes/${cardOrderId}/rembourser`, { reason: 'Client déménage' }, page.html);
    expect(done.res.status).toBe(303);
    expect(await row(cardOrderId)).toMatchObject({ status: 'refunded' });
    const after = await admin.get(done.res.headers.get('location')!);
    expect(after.html).toContain('Remboursement effectué.');
    expect(after.html).toContain('data-refund="succeeded"');
    expect(after.html).not.toContain('/rembourser"');
    // A second click (from the old page) is refused on the page, with the reason; nothing more is refunded.
    const again = await admin.post(`/operateur/commandes/${cardOrderId}/rembourser`, { reason: 'Encore' }, page.html);
    expect(again.res.status).toBe(409);
    expect(again.html).toContain('il n’y a rien à rembourser');
    expect((await rowOf<{ n: number }>(app, 'SELECT COUNT(*) AS n FROM refunds WHERE order_id = @cardOrderId', { cardOrderId }))!.n).toBe(1);
    expect(await ledgerBreaches(app)).toEqual([]);
  });
});

describe('in English', () => {
  it('shows the back-office through the locale switch', async () => {
    const c = await signedIn('operateur@demo.bons-locaux.fr');
    await c.request('/langue/en?back=/operateur');
    const page = await c.get('/operateur/commandes');
    expect(page.html).toContain('Orders');
    expect(page.html).toContain('Reference, buyer or organisation');
  });
});
