import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../support/backend-query';
import { startSmtpListener, type ReceivedMail, type SmtpListener } from '../support/smtp-listener';
import { FormClient, fixedClock, startTestApp, type TestApp } from '../support/test-app';

const CAMPAIGN_NAME = 'Chèques cadeaux Seine Estuaire';
const PDFTOTEXT = '/usr/bin/pdftotext';
const CODE = /\/v\/([2-9A-HJKMNP-Z]{4}(?:-[2-9A-HJKMNP-Z]{4}){4})/g;
const START = '2026-11-23T10:00:00.000Z';

/** Undoes Handlebars' attribute escaping (& < > " ' ` =). */
const htmlDecode = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#x27|#x60|#x3D|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#x27': "'", '#39': "'", '#x60': '`', '#x3D': '=' })[e]!);

const hiddenField = (html: string, name: string): string => {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no hidden field ${name} in the page`);
  return htmlDecode(m[1]!);
};

interface Purchase {
  orderId: string;
  reference: string;
  accessToken: string;
}

/** The real buyer journey with the demo provider: API order, demo checkout page, « paid » button. */
async function buyAndPay(app: TestApp, email = 'alice@example.org', names: { buyer?: string; recipient?: string } = {}): Promise<Purchase> {
  const res = await fetch(`${app.url}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-language': 'fr' },
    body: JSON.stringify({
      campaign: 'seine-estuaire',
      buyer: { type: 'individual', name: names.buyer ?? 'Alice Martin', email },
      items: [{ amountCents: 2000, quantity: 2, recipientName: names.recipient ?? 'Bob', message: 'Joyeux anniversaire' }],
      paymentMethod: 'card',
    }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { order: { id: string; reference: string; status: string }; paymentUrl: string; accessToken: string };
  expect(body.order.status).toBe('pending_payment');
  const payment = new URL(body.paymentUrl);
  expect(payment.origin).toBe(app.url);
  expect(payment.pathname).toMatch(/^\/demo\/checkout\/[\w-]+$/);
  expect(payment.searchParams.get('success')).toMatch(/^\//);
  expect(payment.searchParams.get('cancel')).toMatch(/^\//);

  const client = new FormClient(app.url);
  const page = await client.get(body.paymentUrl);
  expect(page.res.status).toBe(200);
  const action = /<form method="post" action="([^"]+)"/.exec(page.html)?.[1];
  expect(action).toBe(payment.pathname);
  const success = hiddenField(page.html, 'success');
  const cancel = hiddenField(page.html, 'cancel');
  expect(success).toBe(payment.searchParams.get('success'));

  const paid = await client.post(action!, { outcome: 'paid', success, cancel }, page.html);
  expect(paid.res.status).toBe(303);
  expect(paid.res.headers.get('location')).toBe(success);
  return { orderId: body.order.id, reference: body.order.reference, accessToken: body.accessToken };
}

async function orderDetails(app: TestApp, p: Purchase) {
  const res = await fetch(`${app.url}/api/v1/orders/${p.orderId}`, { headers: { authorization: `Bearer ${p.accessToken}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { order: { status: string; reference: string }; vouchers: { code: string; url: string; amountCents: number }[] };
}

interface OutboxRow { status: string; attempts: number; lastError: string | null; leaseUntil: string | null; sentAt: string | null; nextAttemptAt: string; payload: string }
/** The order's outbox rows, on the app's backend (in the order they were queued). */
const outboxRowsFor = async (app: TestApp, orderId: string): Promise<OutboxRow[]> =>
  (
    await rowsOf<{ status: string; attempts: number; lasterror: string | null; leaseuntil: string | null; sentat: string | null; nextattemptat: string; payload: string }>(
      app,
      `SELECT status, attempts, last_error AS lasterror, lease_until AS leaseuntil, sent_at AS sentat, next_attempt_at AS nextattemptat, payload
         FROM outbox_messages ORDER BY created_at, id`,
    )
  )
    .map((r) => ({ status: r.status, attempts: r.attempts, lastError: r.lasterror, leaseUntil: r.leaseuntil, sentAt: r.sentat, nextAttemptAt: r.nextattemptat, payload: r.payload }))
    .filter((m) => (JSON.parse(m.payload) as { orderId?: string }).orderId === orderId);

const mailsFor = (smtp: SmtpListener, reference: string): ReceivedMail[] => smtp.messages.filter((m) => m.subject.includes(reference));

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('order emails over a real SMTP server', () => {
  let smtp: SmtpListener;
  let app: TestApp;
  const clock = fixedClock(START);
  const scratch = mkdtempSync(join(tmpdir(), 'email-test-'));

  beforeAll(async () => {
    smtp = await startSmtpListener();
    app = await startTestApp({ smtpUrl: smtp.url, clock });
    expect(app.transport.kind).toBe('smtp');
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('sends the buyer one email with a link per voucher and the vouchers as a PDF', async () => {
    const purchase = await buyAndPay(app);
    const details = await orderDetails(app, purchase);
    expect(details.order.status).toBe('paid');
    expect(details.vouchers).toHaveLength(2);
    const codes = details.vouchers.map((v) => v.code);
    for (const code of codes) expect(code).toMatch(/^[2-9A-Z]{4}(-[2-9A-Z]{4}){4}$/);
    expect(new Set(codes).size).toBe(2);

    // Nothing goes out before the outbox is drained: the payment only enqueued it.
    expect(mailsFor(smtp, purchase.reference)).toHaveLength(0);
    expect((await outboxRowsFor(app, purchase.orderId)).map((r) => r.status)).toEqual(['pending']);

    expect(await app.drainOutbox()).toEqual({ sent: 1, failed: 0 });
    const mails = mailsFor(smtp, purchase.reference);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;

    expect(mail.to).toEqual(['alice@example.org']);
    expect(mail.envelope.to).toEqual(['alice@example.org']);
    expect(mail.from).toContain('no-reply@localhost');
    expect(mail.subject).toContain(`«\u202F${CAMPAIGN_NAME}\u202F»`);
    expect(mail.subject).toContain(purchase.reference);

    const links = codes.map((c) => `${app.url}/v/${c}`);
    for (const link of links) {
      expect(mail.text).toContain(link);
      expect(mail.html).toContain(`href="${link}"`);
    }
    // No link to any other voucher.
    expect(new Set([...mail.text.matchAll(CODE)].map((m) => m[1]))).toEqual(new Set(codes));
    expect(new Set([...mail.html.matchAll(CODE)].map((m) => m[1]))).toEqual(new Set(codes));
    expect(mail.text).toContain('Bonjour Alice Martin');
    expect(mail.text).toContain('20,00');
    // The demo provider's mail says it is a demonstration.
    expect(mail.text).toContain('MODE DÉMONSTRATION');

    expect(mail.attachments).toHaveLength(1);
    const pdf = mail.attachments[0]!;
    expect(pdf.contentType).toBe('application/pdf');
    expect(pdf.filename).toBe(`bons-${purchase.reference}.pdf`);
    expect(pdf.content.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // One A4 page per voucher (pdfkit never puts page objects inside compressed streams).
    const pdfSource = pdf.content.toString('latin1');
    expect(pdfSource.match(/\/Type\s*\/Page(?![s\w])/g)).toHaveLength(2);
    const boxes = [...pdfSource.matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [Math.round(Number(m[1])), Math.round(Number(m[2]))]);
    expect(boxes).toEqual([
      [595, 842],
      [595, 842],
    ]);
    if (existsSync(PDFTOTEXT)) {
      const file = join(scratch, `${purchase.reference}.pdf`);
      writeFileSync(file, pdf.content);
      const text = execFileSync(PDFTOTEXT, ['-layout', file, '-'], { encoding: 'utf8' });
      for (const code of codes) expect(text).toContain(code);
      expect(text).toContain(CAMPAIGN_NAME);
    } else {
      console.warn(`[pdf text check skipped] no ${PDFTOTEXT} (apt-get install poppler-utils)`);
    }

    const [row] = await outboxRowsFor(app, purchase.orderId);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, lastError: null, leaseUntil: null, sentAt: clock.now().toISOString() });
    // Draining again sends nothing more.
    expect(await app.drainOutbox()).toEqual({ sent: 0, failed: 0 });
    expect(mailsFor(smtp, purchase.reference)).toHaveLength(1);
  });

  it('the plain-text part shows names as typed, the HTML part escapes them', async () => {
    const purchase = await buyAndPay(app, 'anne@example.org', { buyer: "Anne O'Brien & Fils", recipient: 'Zoé "Zaza" <Z>' });
    expect(await app.drainOutbox()).toEqual({ sent: 1, failed: 0 });
    const [mail] = mailsFor(smtp, purchase.reference);
    expect(mail!.text).toContain("Bonjour Anne O'Brien & Fils,");
    expect(mail!.text).toContain('(Zoé "Zaza" <Z>)');
    expect(mail!.text).not.toMatch(/&(amp|quot|lt|gt|#x27);/);
    expect(mail!.html).toContain('Anne O&#x27;Brien &amp; Fils');
    expect(mail!.html).toContain('Zoé &quot;Zaza&quot; &lt;Z&gt;');
    expect(mail!.html).not.toContain('<Z>');
  });

  it('a refused message stays pending with a later retry, the order stays paid, and it goes out exactly once later', async () => {
    const purchase = await buyAndPay(app, 'alice@example.org');
    smtp.failNext(1);
    const rejectedBefore = smtp.rejected;
    const failedAt = clock.now();

    expect(await app.drainOutbox()).toEqual({ sent: 0, failed: 1 });
    expect(smtp.rejected).toBe(rejectedBefore + 1);
    expect(mailsFor(smtp, purchase.reference)).toHaveLength(0);

    const [row] = await outboxRowsFor(app, purchase.orderId);
    expect(row!.status).toBe('pending');
    expect(row!.attempts).toBe(1);
    expect(row!.leaseUntil).toBeNull();
    expect(row!.sentAt).toBeNull();
    expect(row!.lastError).toMatch(/451/);
    expect(new Date(row!.nextAttemptAt).getTime()).toBeGreaterThan(failedAt.getTime());

    // The payment is untouched by the mail failure.
    const details = await orderDetails(app, purchase);
    expect(details.order.status).toBe('paid');
    expect(details.vouchers).toHaveLength(2);

    // Not due yet: nothing is attempted.
    expect(await app.drainOutbox()).toEqual({ sent: 0, failed: 0 });
    expect((await outboxRowsFor(app, purchase.orderId))[0]!.attempts).toBe(1);

    clock.set(row!.nextAttemptAt);
    expect(await app.drainOutbox()).toEqual({ sent: 1, failed: 0 });
    expect(await app.drainOutbox()).toEqual({ sent: 0, failed: 0 });
    clock.advance(24 * 3600_000);
    expect(await app.drainOutbox()).toEqual({ sent: 0, failed: 0 });

    const mails = mailsFor(smtp, purchase.reference);
    expect(mails).toHaveLength(1);
    for (const v of details.vouchers) expect(mails[0]!.text).toContain(`${app.url}/v/${v.code}`);
    expect((await outboxRowsFor(app, purchase.orderId))[0]).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
  });

  it('two overlapping passes send each message once', async () => {
    const purchases = [await buyAndPay(app, 'carol@example.org'), await buyAndPay(app, 'dave@example.org'), await buyAndPay(app, 'erin@example.org')];

    // Side by side from the start.
    const [a, b] = await Promise.all([app.drainOutbox(), app.drainOutbox()]);
    expect(a.failed + b.failed).toBe(0);
    expect(a.sent + b.sent).toBe(3);
    for (const p of purchases) expect(mailsFor(smtp, p.reference)).toHaveLength(1);

    // A second pass starting while the first is still waiting for the SMTP server.
    const more = [await buyAndPay(app, 'frank@example.org'), await buyAndPay(app, 'grace@example.org')];
    smtp.slowDown(300);
    try {
      const first = app.drainOutbox();
      await waitUntil(() => smtp.inFlight > 0, 'the first message to reach the SMTP server');
      const second = await app.drainOutbox();
      expect(second).toEqual({ sent: 0, failed: 0 });
      expect(await first).toEqual({ sent: 2, failed: 0 });
    } finally {
      smtp.slowDown(0);
    }
    for (const p of more) {
      expect(mailsFor(smtp, p.reference)).toHaveLength(1);
      expect((await outboxRowsFor(app, p.orderId))[0]).toMatchObject({ status: 'sent', attempts: 1 });
    }
    expect(mailsFor(smtp, more[0]!.reference)[0]!.to).toEqual(['frank@example.org']);
    expect(mailsFor(smtp, more[1]!.reference)[0]!.to).toEqual(['grace@example.org']);
  });
});

describe('order emails while the SMTP server is down', () => {
  let smtp: SmtpListener | undefined;
  let app: TestApp;
  let port: number;
  const clock = fixedClock(START);

  beforeAll(async () => {
    // Take a free port, then close the server: connections to it are refused.
    const probe = await startSmtpListener();
    port = probe.port;
    await probe.close();
    app = await startTestApp({ smtpUrl: probe.url, clock });
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });

  it('keeps the message pending and sends it once the server is back', async () => {
    const purchase = await buyAndPay(app);
    expect(await app.drainOutbox()).toEqual({ sent: 0, failed: 1 });

    const [row] = await outboxRowsFor(app, purchase.orderId);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, leaseUntil: null, sentAt: null });
    expect(row!.lastError).toBeTruthy();
    expect(new Date(row!.nextAttemptAt).getTime()).toBeGreaterThan(clock.now().getTime());
    expect((await orderDetails(app, purchase)).order.status).toBe('paid');

    // Still down at the next attempt: still pending, later again.
    clock.set(row!.nextAttemptAt);
    expect(await app.drainOutbox()).toEqual({ sent: 0, failed: 1 });
    const [again] = await outboxRowsFor(app, purchase.orderId);
    expect(again).toMatchObject({ status: 'pending', attempts: 2 });
    expect(new Date(again!.nextAttemptAt).getTime()).toBeGreaterThan(new Date(row!.nextAttemptAt).getTime());

    // The server comes back on the same address.
    smtp = await startSmtpListener({ port });
    clock.set(again!.nextAttemptAt);
    expect(await app.drainOutbox()).toEqual({ sent: 1, failed: 0 });
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.to).toEqual(['alice@example.org']);
    expect(smtp.messages[0]!.subject).toContain(purchase.reference);
    expect((await outboxRowsFor(app, purchase.orderId))[0]).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
  });
});

describe('order emails without SMTP_URL', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
    expect(app.transport.kind).toBe('files');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('writes an .eml file that /dev/outbox lists and serves', async () => {
    const purchase = await buyAndPay(app);
    const details = await orderDetails(app, purchase);
    const dir = join(app.dataDir, 'outbox');

    expect(await app.drainOutbox()).toEqual({ sent: 1, failed: 0 });
    const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const file = files[0]!;
    expect(file).toContain('alice@example.org');
    expect((await outboxRowsFor(app, purchase.orderId))[0]).toMatchObject({ status: 'sent', attempts: 1 });

    const raw = readFileSync(join(dir, file));
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toContain(CAMPAIGN_NAME);
    expect(parsed.subject).toContain(purchase.reference);
    for (const v of details.vouchers) expect(parsed.text).toContain(`${app.url}/v/${v.code}`);
    expect(parsed.attachments.map((a) => a.contentType)).toEqual(['application/pdf']);

    const list = await fetch(`${app.url}/dev/outbox`);
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await list.text();
    expect(html).toContain(`href="/dev/outbox/${file}"`);
    expect(htmlDecode(html)).toContain(purchase.reference);

    const one = await fetch(`${app.url}/dev/outbox/${encodeURIComponent(file)}`);
    expect(one.status).toBe(200);
    expect(Buffer.from(await one.arrayBuffer()).equals(raw)).toBe(true);

    const missing = await fetch(`${app.url}/dev/outbox/nothing-here.eml`);
    expect(missing.status).toBe(404);
    const outside = await fetch(`${app.url}/dev/outbox/..%2Fapp.db`);
    expect(outside.status).toBe(404);

    // Draining again writes nothing more.
    expect(await app.drainOutbox()).toEqual({ sent: 0, failed: 0 });
    expect(readdirSync(dir).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
  });
});
