import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../server/domain/merchants/api-keys-service';
import { systemClock } from '../../server/lib/clock';
import { rowsOf } from '../support/backend-query';
import { COMPANY_BUYER, postOrder } from '../support/builders';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

const SIRET = COMPANY_BUYER.siret;
const CONTACT = 'rh@acme.example';
const CODE = /[2-9A-HJKMNP-Z]{4}(?:-[2-9A-HJKMNP-Z]{4}){4}/g;

/** Undoes Handlebars' attribute escaping (& < > " ' ` =). */
const htmlDecode = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#x27|#x60|#x3D|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#x27': "'", '#39': "'", '#x60': '`', '#x3D': '=' })[e]!);

let app: TestApp;
let order: { id: string; reference: string; totalCents: number; transfer: { reference: string; iban: string } };
let accessToken: string;
let mails: ParsedMail[] = [];
let vouchers: { code: string; recipientEmail: string | null; recipientName: string | null }[];
// Operator keys made on the seeded SQLite file before the app starts (copied to PostgreSQL with the rest).
let keys: { ops: string; support: string };

const outboxDir = () => join(app.dataDir, 'outbox');
/** Sends what is due and reads (then removes) the .eml files written. */
async function takeMails(): Promise<ParsedMail[]> {
  await app.drainOutbox();
  let files: string[] = [];
  try {
    files = readdirSync(outboxDir()).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  const parsed = await Promise.all(files.map((f) => simpleParser(readFileSync(join(outboxDir(), f)))));
  for (const f of files) rmSync(join(outboxDir(), f));
  return parsed;
}
const toOf = (m: ParsedMail) => (Array.isArray(m.to) ? m.to[0]! : m.to!).value[0]!.address;

beforeAll(async () => {
  app = await startTestApp({
    prepare: (database) => {
      const make = (label: string) => createApiKey({ database, clock: systemClock }, { kind: 'admin', label }).key;
      keys = { ops: make('ops'), support: make('support') };
    },
  });
  const res = await postOrder(
    app.url,
    {
      buyer: { ...COMPANY_BUYER, email: CONTACT, organisation: 'Acme Le Havre', address: { lines: ['1 rue X'], postalCode: '76600', city: 'Le Havre' } },
      items: [
        { amountCents: 5000, quantity: 1, recipientName: 'Léa Martin', recipientEmail: 'lea@example.org', message: 'Joyeux Noël !' },
        { amountCents: 5000, quantity: 1, recipientName: 'Hugo Petit', recipientEmail: 'hugo@example.org' },
        { amountCents: 2000, quantity: 2, recipientName: 'Atelier' },
      ],
      giftEvent: 'noel',
    },
    { 'accept-language': 'fr' },
  );
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(201);
  order = body.order;
  accessToken = body.accessToken;
  mails = await takeMails();
});
afterAll(() => app.close());

const proformaMail = () => mails.find((m) => toOf(m) === CONTACT)!;
const pageLink = (m: ParsedMail) => {
  const link = new RegExp(`${app.url}/organisation/[\\w-]+\\?token=[\\w-]+`).exec(m.text ?? '')?.[0];
  expect(link).toBeTruthy();
  return new URL(link!);
};

describe('organisation order by bank transfer', () => {
  it('emails the contact the pro-forma with the IBAN, the transfer reference and the links', () => {
    expect(mails).toHaveLength(1);
    const m = proformaMail();
    expect(m.subject).toContain(order.reference);
    const text = m.text!;
    expect(text).toContain('FR7630006000011234567890189');
    expect(text).toContain('AGRIFRPP');
    expect(text).toContain(order.transfer.reference);
    expect(text).toContain(`${app.url}/api/v1/orders/${order.id}/proforma.pdf?token=${accessToken}`);
    expect(text).toContain(`${app.url}/commandes/${order.id}?token=${accessToken}`);
    pageLink(m);
    const html = htmlDecode(m.html as string);
    expect(html).toContain(`${app.url}/api/v1/orders/${order.id}/proforma.pdf?token=${accessToken}`);
    expect(html).toContain(order.transfer.reference);
  });

  it('shows the unpaid order on the organisation page, and 404 for a wrong token', async () => {
    const link = pageLink(proformaMail());
    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Acme Le Havre');
    expect(html).toContain(order.reference);
    expect(html).toContain('En attente de paiement');
    expect(htmlDecode(html)).toContain(`/organisation/${link.pathname.split('/')[2]}/orders/${order.id}/proforma.pdf?token=`);
    const pdf = await fetch(new URL(`${link.pathname}/orders/${order.id}/proforma.pdf${link.search}`, app.url));
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toContain('application/pdf');

    const wrong = await fetch(`${app.url}${link.pathname}?token=nope`);
    expect(wrong.status).toBe(404);
    expect((await fetch(`${app.url}${link.pathname}`)).status).toBe(404);
    expect((await fetch(`${app.url}${link.pathname}/orders/${order.id}/proforma.pdf?token=nope`)).status).toBe(404);
  });

  it('after the transfer: a summary to the contact and one voucher mail per beneficiary email', async () => {
    const admin = keys.ops;
    const res = await fetch(`${app.url}/api/v1/orders/${order.id}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ amountCents: order.totalCents, reference: 'BANK-REF-001' }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.issued).toBe(true);

    const sent = await takeMails();
    expect(sent.map(toOf).sort()).toEqual(['hugo@example.org', 'lea@example.org', CONTACT]);
    const details = await (await fetch(`${app.url}/api/v1/orders/${order.id}`, { headers: { authorization: `Bearer ${admin}` } })).json();
    expect(details.vouchers).toHaveLength(4);
    vouchers = await rowsOf(app, 'SELECT code, recipient_email AS "recipientEmail", recipient_name AS "recipientName" FROM vouchers WHERE order_id = @order', { order: order.id });

    const summary = sent.find((m) => toOf(m) === CONTACT)!;
    expect(summary.text).toContain('4\u00a0bons');
    expect(summary.text).toContain(`${app.url}/organisation/lien`);
    expect(summary.text).not.toMatch(/token=/);

    const lea = sent.find((m) => toOf(m) === 'lea@example.org')!;
    const leaCode = vouchers.find((v) => v.recipientEmail === 'lea@example.org')!.code;
    expect(lea.subject).toContain('Acme Le Havre');
    expect(lea.text).toContain(`${app.url}/v/${leaCode.match(/.{4}/g)!.join('-')}`);
    expect(lea.text).toContain('Noël');
    expect(lea.text).toContain('Joyeux Noël !');
    expect(lea.text).toMatch(/50,00\s€/);
    expect(lea.attachments).toHaveLength(1);
    expect(lea.attachments[0]!.contentType).toBe('application/pdf');
    // Léa's mail never carries Hugo's voucher.
    const hugoCode = vouchers.find((v) => v.recipientEmail === 'hugo@example.org')!.code;
    expect(lea.text).not.toContain(hugoCode.slice(0, 4) + '-' + hugoCode.slice(4, 8));
  });

  it('hides emailed vouchers’ codes on the page until the organisation exports them', async () => {
    const link = pageLink(proformaMail());
    const format = (c: string) => c.match(/.{4}/g)!.join('-');
    const emailed = vouchers.filter((v) => v.recipientEmail).map((v) => format(v.code));
    const paper = vouchers.filter((v) => !v.recipientEmail).map((v) => format(v.code));
    expect(emailed).toHaveLength(2);
    expect(paper).toHaveLength(2);

    let html = await (await fetch(link)).text();
    expect(html).toContain('Payée');
    expect(html).toContain('Léa Martin');
    for (const c of emailed) expect(html).not.toContain(c);
    for (const c of paper) expect(html).toContain(c);
    expect([...html.matchAll(CODE)].map((m) => m[0]).sort()).toEqual([...paper].sort());

    // The operator downloading the codes (admin key) is not the organisation asking for them.
    const admin = keys.support;
    const byOperator = await fetch(`${app.url}/api/v1/orders/${order.id}/vouchers.csv`, { headers: { authorization: `Bearer ${admin}` } });
    expect(byOperator.status).toBe(200);
    await byOperator.text();
    html = await (await fetch(link)).text();
    for (const c of emailed) expect(html).not.toContain(c);

    const base = `${link.pathname}/orders/${order.id}`;
    const invoice = await fetch(`${app.url}${base}/invoice.pdf${link.search}`);
    expect(invoice.status).toBe(200);
    const sheets = await fetch(`${app.url}${base}/vouchers.pdf${link.search}`);
    expect(sheets.status).toBe(200);
    expect(sheets.headers.get('content-type')).toContain('application/pdf');
    await sheets.arrayBuffer();

    const csv = await fetch(`${app.url}${base}/vouchers.csv${link.search}`);
    expect(csv.status).toBe(200);
    const text = await csv.text();
    for (const c of [...emailed, ...paper]) expect(text).toContain(c);

    html = await (await fetch(link)).text();
    for (const c of [...emailed, ...paper]) expect(html).toContain(c);
  });

  it('does not serve another organisation’s order through this page', async () => {
    const other = await (
      await postOrder(app.url, {
        buyer: { ...COMPANY_BUYER, name: 'Other', email: 'other@corp.example', organisation: 'Other corp', address: { lines: ['2 rue Y'], postalCode: '76600', city: 'Le Havre' } },
        items: [{ amountCents: 2000, quantity: 1 }],
        giftEvent: 'noel',
      })
    ).json();
    await takeMails();
    const link = pageLink(proformaMail());
    expect((await fetch(`${app.url}${link.pathname}/orders/${other.order.id}/proforma.pdf${link.search}`)).status).toBe(404);
  });

  it('the link form answers the same for a known and an unknown contact, and emails a working new link', async () => {
    const client = new FormClient(app.url);
    const form = await client.get('/organisation/lien');
    expect(form.res.status).toBe(200);
    expect(form.html).toContain('name="_csrf"');

    const known = await client.post('/organisation/lien', { email: CONTACT.toUpperCase(), siret: '732 829 320 00074' }, form.html);
    const unknown = await client.post('/organisation/lien', { email: 'nobody@example.org', siret: SIRET }, form.html);
    expect(known.res.status).toBe(200);
    expect(unknown.res.status).toBe(200);
    const message = (html: string) => /<div class="success" role="status">([^<]*)<\/div>/.exec(html)?.[1];
    expect(message(known.html)).toBeTruthy();
    expect(message(known.html)).toBe(message(unknown.html));

    const sent = await takeMails();
    expect(sent.map(toOf)).toEqual([CONTACT]);
    // Asking is anonymous (a SIRET is public): the link in use keeps working until the
    // contact opens the new one (issue 13 finding 1: nobody else may revoke it).
    expect((await fetch(pageLink(proformaMail()))).status).toBe(200);
    const fresh = pageLink(sent[0]!);
    expect((await fetch(fresh)).status).toBe(200);
    expect((await fetch(fresh)).status).toBe(200);
    // Once the contact used the new link, the old one stops working.
    expect((await fetch(pageLink(proformaMail()))).status).toBe(404);

    const invalid = await client.post('/organisation/lien', { email: 'nope', siret: '12' }, form.html);
    expect(invalid.res.status).toBe(422);
    const noCsrf = await fetch(`${app.url}/organisation/lien`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `email=${encodeURIComponent(CONTACT)}&siret=${SIRET}` });
    expect(noCsrf.status).toBe(403);
  });

  it('a card order by an organisation: links only, in the order’s locale', async () => {
    const res = await postOrder(
      app.url,
      {
        buyer: { ...COMPANY_BUYER, name: 'Sam', email: 'sam@card.example', organisation: 'Card corp', address: { lines: ['3 rue Z'], postalCode: '76600', city: 'Le Havre' } },
        items: [{ amountCents: 2000, quantity: 1 }],
        paymentMethod: 'card',
        giftEvent: 'noel',
      },
      { 'accept-language': 'en' },
    );
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    const [m, ...rest] = await takeMails();
    expect(rest).toHaveLength(0);
    expect(m!.subject).toContain('received');
    expect(m!.text).toContain(`${app.url}/commandes/${body.order.id}?token=${body.accessToken}`);
    expect(m!.text).not.toContain('IBAN');
    expect((await fetch(pageLink(m!))).status).toBe(200);
  });

  it('delivered every organisation mail at its first attempt, on either backend: none waits for a retry', async () => {
    await takeMails();
    const rows = await rowsOf<{ kind: string; status: string; attempts: number; error: string | null }>(
      app,
      `SELECT kind, status, attempts, last_error AS error FROM outbox_messages WHERE kind IN ('org_order_proforma', 'org_order_created', 'org_order_paid', 'beneficiary_voucher', 'org_page_link') ORDER BY kind`,
    );
    expect([...new Set(rows.map((r) => r.kind))]).toEqual(['beneficiary_voucher', 'org_order_created', 'org_order_paid', 'org_order_proforma', 'org_page_link']);
    for (const r of rows) expect(r, r.kind).toMatchObject({ status: 'sent', attempts: 1, error: null });
  });
});
