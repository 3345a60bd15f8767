import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../server/domain/merchants/api-keys-service';
import { systemClock } from '../../server/lib/clock';
import { rowOf } from '../support/backend-query';
import { COMPANY_BUYER, postOrder } from '../support/builders';
import { popplerAvailable } from '../support/poppler';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 13, finding 1: an anonymous order with a victim organisation's (public) SIRET and
 * its contact's email. Each consequence the review reproduced is checked here.
 */
const hasPoppler = popplerAvailable();
const CONTACT = 'compta@victime.example';
const VICTIM = { ...COMPANY_BUYER, email: CONTACT, name: 'Alice Martin', organisation: 'Victime Industries', address: { lines: ['1 rue du Port'], postalCode: '76600', city: 'Le Havre' } };
const EVIL_NAME = 'Nouveau RIB FR76 9999 appelez le 0899 000 000';
const EVIL_STREET = 'Changement de RIB urgent';
const ATTACKER = { ...COMPANY_BUYER, email: CONTACT, name: 'Service comptable', organisation: EVIL_NAME, address: { lines: [EVIL_STREET], postalCode: '75001', city: 'Paris' } };

let app: TestApp;
let admin: string;
let pageUrl: URL;
let paidOrder: { id: string; reference: string; totalCents: number };
let pendingOrder: { id: string; reference: string; totalCents: number };
let attack: { order: { id: string; reference: string }; accessToken: string };
let attackMails: ParsedMail[];

const toOf = (m: ParsedMail) => (Array.isArray(m.to) ? m.to[0]! : m.to!).value[0]!.address;
async function takeMails(): Promise<ParsedMail[]> {
  await app.drainOutbox();
  const dir = join(app.dataDir, 'outbox');
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  const parsed = await Promise.all(files.map((f) => simpleParser(readFileSync(join(dir, f)))));
  for (const f of files) rmSync(join(dir, f));
  return parsed;
}
const orgRow = () =>
  rowOf(app, 'SELECT name, billing_address AS street, postal_code AS "postalCode", city, contact_name AS "contactName" FROM organisations WHERE siret = @siret AND contact_email = @email', { siret: VICTIM.siret, email: CONTACT });
async function pdfText(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  const dir = mkdtempSync(join(tmpdir(), 'takeover-'));
  const file = join(dir, 'doc.pdf');
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const text = execFileSync('pdftotext', ['-layout', file, '-']).toString().replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ');
  rmSync(dir, { recursive: true });
  return text;
}
const payInFull = async (o: { id: string; totalCents: number }, ref: string) => {
  const res = await fetch(`${app.url}/api/v1/orders/${o.id}/payments`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ amountCents: o.totalCents, reference: ref }) });
  expect(res.status, await res.clone().text()).toBe(201);
};

beforeAll(async () => {
  // The operator's key is made on the seeded SQLite file before the app starts (copied to PostgreSQL with the rest).
  app = await startTestApp({ prepare: (database) => void (admin = createApiKey({ database, clock: systemClock }, { kind: 'admin', label: 'ops' }).key) });
  // The victim's first order (paid, invoiced) and second order (still awaiting its transfer).
  const first = await postOrder(app.url, { buyer: VICTIM, items: [{ amountCents: 5000, quantity: 2 }], giftEvent: 'noel' });
  expect(first.status).toBe(201);
  paidOrder = (await first.json()).order;
  const mail = (await takeMails()).find((m) => toOf(m) === CONTACT)!;
  pageUrl = new URL(new RegExp(`${app.url}/organisation/[\\w-]+\\?token=[\\w-]+`).exec(mail.text ?? '')![0]);
  await payInFull(paidOrder, 'VICTIM-1');
  const second = await postOrder(app.url, { buyer: VICTIM, items: [{ amountCents: 2000, quantity: 1 }], giftEvent: 'noel' });
  pendingOrder = (await second.json()).order;
  await takeMails();

  // The attacker: anonymous, same SIRET and email, their own text.
  const res = await postOrder(app.url, { buyer: ATTACKER, items: [{ amountCents: 2000, quantity: 1 }], giftEvent: 'noel' });
  expect(res.status).toBe(201);
  attack = await res.json();
  attackMails = await takeMails();
});
afterAll(() => app.close());

describe('an anonymous order with another organisation’s SIRET and email', () => {
  it('leaves the organisation’s stored name and address as they were', async () => {
    expect(await orgRow()).toEqual({ name: 'Victime Industries', street: '1 rue du Port', postalCode: '76600', city: 'Le Havre', contactName: 'Alice Martin' });
  });

  it('does not replace the organisation’s page link: the old one still opens the page', async () => {
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Victime Industries');
    expect(html).not.toContain('Nouveau RIB');
  });

  it('keeps the caller’s order off the organisation’s page and its documents', async () => {
    const html = await (await fetch(pageUrl)).text();
    expect(html).toContain(paidOrder.reference);
    expect(html).not.toContain(attack.order.reference);
    const doc = `${app.url}${pageUrl.pathname}/orders/${attack.order.id}/proforma.pdf${pageUrl.search}`;
    expect((await fetch(doc)).status).toBe(404);
  });

  it('mails the contact a confirmation request that carries none of the caller’s text', () => {
    expect(attackMails.map(toOf)).toEqual([CONTACT]);
    const m = attackMails[0]!;
    const all = `${m.subject}\n${m.text}\n${m.html || ''}`;
    for (const evil of ['Nouveau RIB', '0899', EVIL_STREET, 'Service comptable', 'Paris']) expect(all).not.toContain(evil);
    expect(m.subject).toContain(attack.order.reference);
    expect(m.text).toMatch(new RegExp(`/organisation/[\\w-]+/confirmer/${attack.order.id}\\?token=[\\w-]+`));
    // Neither the IBAN mail nor the organisation's page link goes to the contact.
    expect(m.text).not.toContain('FR7630006000011234567890189');
    expect(m.text).not.toContain('/organisation/' + pageUrl.pathname.split('/')[2] + '?token=');
  });

  it('re-renders neither the earlier paid order’s pro-forma nor its invoice with the caller’s name and address', async () => {
    if (!hasPoppler) return;
    // Read as the operator (admin key), so this stays apart from the page link's fate.
    const base = `${app.url}/api/v1/orders/${paidOrder.id}`;
    const auth = { authorization: `Bearer ${admin}` };
    for (const text of [await pdfText(`${base}/proforma.pdf`, auth), await pdfText(`${base}/invoice.pdf`, auth)]) {
      expect(text).toContain('Victime Industries');
      expect(text).toContain('1 rue du Port');
      expect(text).not.toContain('Nouveau RIB');
      expect(text).not.toContain(EVIL_STREET);
    }
  });

  it('an earlier order paid after the caller’s is invoiced with its own buyer, not the caller’s text', async () => {
    await payInFull(pendingOrder, 'VICTIM-2');
    await takeMails();
    if (!hasPoppler) return;
    // A repeat order awaits the contact's confirmation too (nobody can tell it from the caller's): the operator reads it.
    const text = await pdfText(`${app.url}/api/v1/orders/${pendingOrder.id}/invoice.pdf`, { authorization: `Bearer ${admin}` });
    expect(text).toContain('Victime Industries');
    expect(text).not.toContain('Nouveau RIB');
  });

  it('the caller’s order page says the order awaits the contact’s confirmation', async () => {
    const page = await fetch(`${app.url}/commande-organisation/${attack.order.id}?token=${attack.accessToken}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('déjà enregistrée');
  });

  it('the caller’s own pro-forma carries what the caller typed (its order’s copy)', async () => {
    if (!hasPoppler) return;
    const text = await pdfText(`${app.url}/api/v1/orders/${attack.order.id}/proforma.pdf?token=${attack.accessToken}`);
    expect(text).toContain(EVIL_STREET);
  });
});

describe('the contact confirms an order placed with its SIRET and email', () => {
  it('shows what was typed, refuses a wrong secret, and confirms only by the form (POST with CSRF)', async () => {
    const confirm = new URL(new RegExp(`${app.url}/organisation/[\\w-]+/confirmer/[\\w-]+\\?token=[\\w-]+`).exec(attackMails[0]!.text ?? '')![0]);
    expect((await fetch(`${app.url}${confirm.pathname}?token=wrong`)).status).toBe(404);
    const client = new FormClient(app.url);
    const page = await client.get(confirm.pathname + confirm.search);
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('Nouveau RIB');
    // Opening the link (a mail scanner does) confirmed nothing.
    expect((await (await fetch(pageUrl)).text())).not.toContain(attack.order.reference);

    const done = await client.post(confirm.pathname + confirm.search, {}, page.html);
    expect(done.res.status).toBe(200);
    expect(done.html).toContain('data-confirmed');
    const html = await (await fetch(pageUrl)).text();
    expect(html).toContain(attack.order.reference);
    // The link did not change; the organisation took the confirmed order's details.
    expect(await orgRow()).toMatchObject({ name: EVIL_NAME, street: EVIL_STREET, city: 'Paris' });
  });
});
