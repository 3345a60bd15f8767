import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPANY_BUYER, postOrder } from '../support/builders';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 13, finding 6: an anonymous bank-transfer order mailed operator-branded text — the
 * caller's name and organisation name — to any address the caller gave. The mail now
 * carries only our words, amounts, references and links, and an address gets at most
 * `ordersPerEmailPerHour` orders' mails.
 */
const STRANGER = 'quelquun@example.org';
const PHISH_NAME = 'URGENT rappelez le 0899 111 222';
const PHISH_ORG = 'Votre compte sera suspendu, payez sur evil.example';

let app: TestApp;
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

beforeAll(async () => {
  app = await startTestApp({ rateLimits: { ordersPerEmailPerHour: 3 } });
});
afterAll(() => app.close());

describe('what an anonymous order makes us mail', () => {
  it('the bank-transfer order mail to the address typed carries none of the caller’s text', async () => {
    const res = await postOrder(app.url, { buyer: { ...COMPANY_BUYER, email: STRANGER, name: PHISH_NAME, organisation: PHISH_ORG }, items: [{ amountCents: 2000, quantity: 1 }], giftEvent: 'noel' });
    expect(res.status).toBe(201);
    const { order } = await res.json();
    const mails = await takeMails();
    expect(mails).toHaveLength(1);
    const m = mails[0]!;
    const all = `${m.subject}\n${m.text}\n${m.html || ''}`;
    for (const text of ['0899', 'URGENT', 'suspendu', 'evil.example']) expect(all).not.toContain(text);
    // Still the mail the buyer needs: reference, amount, IBAN and transfer reference.
    expect(m.subject).toContain(order.reference);
    expect(m.text).toContain(order.transfer.reference);
    expect(m.text).toContain('FR7630006000011234567890189');
  });

  it('one address gets the mails of at most 3 orders an hour (test setting), whoever sends them', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const forwarded = { 'x-forwarded-for': `203.0.113.${i + 1}` };
      statuses.push((await postOrder(app.url, { buyer: { ...COMPANY_BUYER, email: 'cible@example.org', siret: COMPANY_BUYER.siret }, items: [{ amountCents: 2000, quantity: 1 }], giftEvent: 'noel' }, forwarded)).status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });
});
