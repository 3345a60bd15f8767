/**
 * Every kind of organisation mail delivered by the worker on PostgreSQL (they used to wait
 * with last_error NOT_ON_POSTGRES_YET): the pro-forma, the confirmation request of an order
 * placed with a known SIRET and email, the paid summary and the beneficiary's voucher, the
 * page link from the link form. Each is sent at its first attempt and lands in the outbox dir.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../server/domain/merchants/api-keys-service';
import { systemClock } from '../../server/lib/clock';
import { rowsOf } from '../support/backend-query';
import { COMPANY_BUYER, postOrder } from '../support/builders';
import { postgresAvailable } from '../support/postgres';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

const CONTACT = 'paie@organisation-pg.example';
const BUYER = { ...COMPANY_BUYER, email: CONTACT, organisation: 'Organisation PG' };
const KINDS = ['beneficiary_voucher', 'org_order_confirm', 'org_order_paid', 'org_order_proforma', 'org_page_link'];

let app: TestApp;
let admin: string;

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
const toOf = (m: ParsedMail) => (Array.isArray(m.to) ? m.to[0]! : m.to!).value[0]!.address;

// Skips only where PostgreSQL is not installed, with a notice; REQUIRE_POSTGRES=1 makes that a failure.
describe.skipIf(!postgresAvailable())('organisation mails on PostgreSQL', () => {
  beforeAll(async () => {
    app = await startTestApp({ backend: 'postgres', prepare: (database) => void (admin = createApiKey({ database, clock: systemClock }, { kind: 'admin', label: 'ops' }).key) });
  });
  afterAll(() => app?.close());

  it('sends each kind at its first attempt: none is retried, none waits', async () => {
    const first = await postOrder(app.url, { buyer: BUYER, items: [{ amountCents: 3000, quantity: 1, recipientName: 'Inès', recipientEmail: 'ines@example.org' }], giftEvent: 'noel' });
    expect(first.status).toBe(201);
    const { order } = await first.json();
    // The same SIRET and email again: the organisation exists, its contact is asked to confirm.
    expect((await postOrder(app.url, { buyer: BUYER, items: [{ amountCents: 2000, quantity: 1 }], giftEvent: 'noel' })).status).toBe(201);
    const paid = await fetch(`${app.url}/api/v1/orders/${order.id}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ amountCents: order.totalCents, reference: 'BNK-PG-MAILS' }),
    });
    expect(paid.status).toBe(201);
    const client = new FormClient(app.url);
    const form = await client.get('/organisation/lien');
    expect((await client.post('/organisation/lien', { email: CONTACT, siret: BUYER.siret }, form.html)).res.status).toBe(200);

    const mails = await takeMails();
    expect(mails.map(toOf).sort()).toEqual(['ines@example.org', CONTACT, CONTACT, CONTACT, CONTACT]);
    const rows = await rowsOf<{ kind: string; status: string; attempts: number; error: string | null }>(
      app,
      `SELECT kind, status, attempts, last_error AS error FROM outbox_messages WHERE kind IN (${KINDS.map((k) => `'${k}'`).join(', ')}) ORDER BY kind`,
    );
    expect(rows.map((r) => r.kind)).toEqual(KINDS);
    for (const r of rows) expect(r, r.kind).toMatchObject({ status: 'sent', attempts: 1, error: null });
    const voucher = mails.find((m) => toOf(m) === 'ines@example.org')!;
    expect(voucher.attachments.map((a) => a.contentType)).toEqual(['application/pdf']);
  });
});
