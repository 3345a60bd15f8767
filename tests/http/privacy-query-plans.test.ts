/**
 * A data subject's request at scale: the operator's search, export and erasure by email
 * (server/domain/privacy) find the person's rows through the email indexes of migration
 * 0027 (`lower(trim(…))`, the normalisation the lookup uses), never by reading every order,
 * order line, voucher, organisation, gift or mail (tests/support/query-plans.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrder } from '../../server/domain/orders/orders-service';
import { handleProviderEvent } from '../../server/domain/orders/payment-events-service';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { DemoProvider } from '../../server/payments/demo-provider';
import { DEMO_ADMIN_EMAIL, operatorClient } from '../support/operator';
import { QueryRecorder, type FullScan } from '../support/query-plans';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

/** Tables that grow with every order and mail. */
const PERSON_TABLES = ['orders', 'order_items', 'vouchers', 'organisations', 'outbox_messages', 'voucher_gifts'] as const;
/**
 * The erasure's text redaction looks for the address inside free text (audit entries, mail
 * payloads): a substring search no index answers, run once per erasure, on purpose.
 */
const TEXT_REDACTION = /instr\(/;

const EMAIL = 'claire.dubois@example.net';
const clock = fixedClock('2026-03-02T09:00:00Z');
let app: TestApp;
let recorder: QueryRecorder;

beforeAll(async () => {
  app = await startTestApp({ clock });
  const payments = new DemoProvider(app.url);
  const deps = { database: app.database, clock, payments, baseUrl: app.url, logger: createLogger('silent'), operator: loadOperator({}, false) };
  // Other people's orders with recipients, so that a scan would have rows to read.
  for (let i = 0; i < 30; i++) {
    const buyer = i === 7 ? { name: 'Claire Dubois', email: EMAIL } : { name: `Acheteur ${i}`, email: `acheteur${i}@example.org` };
    const created = await createOrder(deps, {
      campaignSlug: 'seine-estuaire', buyer: { type: 'individual', ...buyer },
      items: [{ amountCents: 2000, quantity: 1, recipientName: `Destinataire ${i}`, recipientEmail: i === 12 ? EMAIL : `dest${i}@example.org` }],
      paymentMethod: 'card', locale: 'fr',
    });
    handleProviderEvent(deps, payments.simulatedEvent(created.order.checkoutRef!, 'paid', created.order.totalCents));
  }
  recorder = new QueryRecorder(app.database.sqlite).install();
});

afterAll(async () => {
  recorder?.uninstall();
  await app?.close();
});

const describeScans = (scans: FullScan[]) => scans.map((s) => `${s.table}: ${s.detail} — ${s.sql.replace(/\s+/g, ' ').slice(0, 160)}`);

describe('data subject requests by email use indexes', () => {
  it('search, export and erasure read no person table in full', async () => {
    const op = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const page = await op.get('/operateur/donnees-personnelles');
    const ran = await recorder.during(async () => {
      const found = await op.post('/operateur/donnees-personnelles/recherche', { email: ` ${EMAIL.toUpperCase()}` }, page.html);
      expect(found.res.status).toBe(200);
      expect(found.html).toContain('Claire Dubois');
      const exported = await op.post('/operateur/donnees-personnelles/export', { email: EMAIL, reason: 'Demande du 1er mars' }, found.html);
      expect(exported.res.status).toBe(200);
      const erased = await op.post('/operateur/donnees-personnelles/effacer', { email: EMAIL, reason: 'Demande du 1er mars', confirm: 'yes' }, found.html);
      expect(erased.res.status).toBe(200);
    });
    const lookups = ran.filter((s) => /recipient|buyer_email|contact_email/i.test(s.sql));
    expect(lookups.length).toBeGreaterThan(5);
    const scans = ran.filter((s) => !TEXT_REDACTION.test(s.sql)).flatMap((s) => recorder.fullScans(s, PERSON_TABLES));
    expect(describeScans(scans)).toEqual([]);
  });
});
