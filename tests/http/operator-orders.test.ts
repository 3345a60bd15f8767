import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { createOperatorUser } from '../../server/domain/operators/operator-users-service';
import { postOrder, TOWN_HALL_BUYER } from '../support/builders';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';
import { operatorClient } from '../support/operator';

let app: TestApp;
let staff: FormClient;
const OPERATOR = { email: 'tresorerie@cci.example', password: 'treasury-password-1' };

beforeAll(async () => {
  app = await startTestApp();
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

const row = (id: string) => app.database.sqlite.prepare('SELECT status, paid_cents AS paidCents, cancel_reason AS cancelReason FROM orders WHERE id = ?').get(id) as { status: string; paidCents: number; cancelReason: string | null };
const paymentsOf = (id: string) => (app.database.sqlite.prepare('SELECT COUNT(*) AS n FROM payments WHERE order_id = ?').get(id) as { n: number }).n;
const vouchersOf = (id: string) => (app.database.sqlite.prepare('SELECT COUNT(*) AS n FROM vouchers WHERE order_id = ?').get(id) as { n: number }).n;
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

    const partial = await recordTransfer(staff, order.id, { amount: '1 000,00', reference: 'BANK-0001', receivedOn: new Date().toISOString().slice(0, 10) });
    expect(partial.res.status).toBe(303);
    expect(row(order.id)).toMatchObject({ status: 'pending_payment', paidCents: 100_000 });
    const after = await staff.get(partial.res.headers.get('location')!);
    expect(after.html).toContain('Virement enregistré. La commande attend le reste du paiement.');
    expect(after.html).toContain('BANK-0001');
    expect(after.html).toContain(euros(order.totalCents - 100_000).replace(' ', '\u202f'));

    // The same bank reference again: nothing counted twice.
    const replay = await recordTransfer(staff, order.id, { amount: '1000', reference: 'BANK-0001' });
    expect(replay.res.status).toBe(303);
    expect((await staff.get(replay.res.headers.get('location')!)).html).toContain('déjà enregistré');
    expect(row(order.id).paidCents).toBe(100_000);
    expect(paymentsOf(order.id)).toBe(1);
    // Under the same reference a different amount is refused.
    const reused = await recordTransfer(staff, order.id, { amount: '12,00', reference: 'BANK-0001' });
    expect(reused.res.status).toBe(409);
    expect(reused.html).toContain('Cette référence bancaire a déjà été enregistrée');
    expect(paymentsOf(order.id)).toBe(1);

    const rest = await recordTransfer(staff, order.id, { amount: euros(order.totalCents - 100_000), reference: 'BANK-0002' });
    expect(rest.res.status).toBe(303);
    expect(row(order.id)).toMatchObject({ status: 'paid', paidCents: order.totalCents });
    expect(vouchersOf(order.id)).toBe(30);
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
    expect(checkLedger(app.database)).toEqual([]);
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
    expect(row(order.id)).toMatchObject({ status: 'pending_payment', paidCents: 0 });
    expect(paymentsOf(order.id)).toBe(0);
  });

  it('refuses a transfer for a card order or a cancelled order with the reason', async () => {
    const order = await transferOrder();
    const page = await staff.get(`/operateur/commandes/${order.id}`);
    await staff.post(`/operateur/commandes/${order.id}/annuler`, { reason: 'Doublon de la commande précédente' }, page.html);
    const res = await staff.post(`/operateur/commandes/${order.id}/virements`, { amount: '10', reference: 'BANK-LATE' }, page.html);
    expect(res.res.status).toBe(409);
    expect(res.html).toContain('Cette commande est annulée.');
    const card = app.database.sqlite.prepare(`SELECT id FROM orders WHERE payment_method = 'card' AND status = 'paid' LIMIT 1`).get() as { id: string };
    const cardPage = await staff.get(`/operateur/commandes/${card.id}`);
    expect(cardPage.html).not.toContain('/virements');
    const onCard = await staff.post(`/operateur/commandes/${card.id}/virements`, { amount: '10', reference: 'BANK-CARD' }, cardPage.html);
    expect(onCard.res.status).toBe(409);
    expect(onCard.html).toContain('Cette commande ne se règle pas par virement.');
    expect(paymentsOf(card.id)).toBe(1);
  });

  it('refuses a form without its CSRF token', async () => {
    const order = await transferOrder();
    const res = await staff.request(`/operateur/commandes/${order.id}/virements`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'amount=10&reference=NO-CSRF' });
    expect(res.status).toBe(403);
    expect(paymentsOf(order.id)).toBe(0);
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
    expect(row(order.id).status).toBe('pending_payment');
    const res = await staff.post(`/operateur/commandes/${order.id}/annuler`, { reason: 'La mairie a renoncé' }, page.html);
    expect(res.res.status).toBe(303);
    expect(row(order.id)).toMatchObject({ status: 'cancelled' });
    expect(row(order.id).cancelReason).toContain('La mairie a renoncé');
    const after = await staff.get(res.res.headers.get('location')!);
    expect(after.html).toContain('Commande annulée.');
    expect(after.html).not.toContain('/virements');
  });

  it('refuses to cancel a paid order, or one that received part of its transfers', async () => {
    const paid = await transferOrder();
    const page = await staff.get(`/operateur/commandes/${paid.id}`);
    await recordTransfer(staff, paid.id, { amount: euros(paid.totalCents), reference: `FULL-${paid.reference}` });
    expect(row(paid.id).status).toBe('paid');
    const refused = await staff.post(`/operateur/commandes/${paid.id}/annuler`, { reason: 'Essai' }, page.html);
    expect(refused.res.status).toBe(409);
    expect(refused.html).toContain('Cette commande est payée\u00A0: elle ne peut pas être annulée ici.');
    expect(row(paid.id).status).toBe('paid');

    const partly = await transferOrder();
    await recordTransfer(staff, partly.id, { amount: '10', reference: `PART-${partly.reference}` });
    const refusedPartly = await staff.post(`/operateur/commandes/${partly.id}/annuler`, { reason: 'Essai' }, page.html);
    expect(refusedPartly.res.status).toBe(409);
    expect(refusedPartly.html).toContain('remboursez-les avant de l’annuler');
    expect(row(partly.id)).toMatchObject({ status: 'pending_payment', paidCents: 1000 });
    expect(checkLedger(app.database)).toEqual([]);
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
