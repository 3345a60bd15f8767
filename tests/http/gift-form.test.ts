import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowOf, rowsOf } from '../support/backend-query';
import { setVoucherStatusOn } from '../support/builders';
import { paidOrderWithToken } from '../support/gift-orders';
import { FormClient, fixedClock, startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 15, item 3, from the buyer's order page: send a voucher to a recipient now or on a
 * Paris date and time, see when it will go and when it went, change it before the day,
 * resend it; bad input comes back beside its field in the buyer's language, never a 5xx.
 */
const clock = fixedClock('2026-12-20T10:00:00Z');
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
const to = (m: ParsedMail) => (m.to && 'text' in m.to ? m.to.text : '');
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

beforeAll(async () => {
  app = await startTestApp({ clock });
});
afterAll(() => app.close());

async function orderPage() {
  const { order, token, voucherIds } = await paidOrderWithToken(app, { quantity: 2 });
  await takeMails(); // the buyer's own order mail
  const client = new FormClient(app.url);
  const page = `/commandes/${order.id}?token=${token}`;
  const action = `/commandes/${order.id}/cadeaux?token=${token}`;
  return { order, token, voucherIds, client, page, action };
}

describe('sending a voucher from the order page', () => {
  it('schedules it for a Paris date and time, changes it before the day, sends it then and says when it went', async () => {
    const { voucherIds, client, page, action } = await orderPage();
    const first = await client.get(page);
    expect(first.html).toContain('Envoyer ce bon par e-mail');
    const v = voucherIds[0]!;
    const saved = await client.post(action, { voucherId: v, recipientEmail: 'Lea@Example.net', recipientName: 'Léa', message: 'Joyeux Noël !', when: 'later', sendDate: '2026-12-24', sendTime: '08:00' }, first.html);
    expect(saved.res.status).toBe(303);
    const after = await client.get(saved.res.headers.get('location')!);
    expect(text(after.html)).toContain('C’est noté : le bon sera envoyé à lea@example.net le 24/12/2026 08:00.');
    expect(text((await client.get(page)).html)).toContain('Envoi prévu le 24/12/2026 08:00 à lea@example.net.');
    expect(await rowsOf(app, `SELECT recipient, next_attempt_at AS at FROM outbox_messages WHERE kind = 'voucher_gift'`)).toEqual([{ recipient: 'lea@example.net', at: '2026-12-24T07:00:00.000Z' }]);

    // Before the day: nothing goes. The buyer fixes the address and the hour: still one send.
    expect(await takeMails()).toHaveLength(0);
    const fixed = await client.post(action, { voucherId: v, recipientEmail: 'lea.dubois@example.net', recipientName: 'Léa', message: 'Joyeux Noël !', when: 'later', sendDate: '2026-12-24', sendTime: '09:30' }, after.html);
    expect(fixed.res.status).toBe(303);
    expect(await rowsOf(app, `SELECT recipient, next_attempt_at AS at FROM outbox_messages WHERE kind = 'voucher_gift'`)).toEqual([{ recipient: 'lea.dubois@example.net', at: '2026-12-24T08:30:00.000Z' }]);

    clock.set('2026-12-24T08:30:00Z');
    const mails = (await takeMails()).filter((m) => to(m) !== 'camille@example.org');
    expect(mails.map(to)).toEqual(['lea.dubois@example.net']);
    expect(mails[0]!.text).toContain('Joyeux Noël !');
    const sentPage = await client.get(page);
    expect(text(sentPage.html)).toContain('Envoyé le 24/12/2026 09:30 à lea.dubois@example.net.');
    expect(sentPage.html).toContain('Renvoyer ou modifier l’envoi');

    // Resent now: a second mail, and the page tells the new instant.
    clock.set('2026-12-24T15:00:00Z');
    const again = await client.post(action, { voucherId: v, recipientEmail: 'lea.dubois@example.net', when: 'now', sendDate: '', sendTime: '' }, sentPage.html);
    expect(again.res.status).toBe(303);
    const resent = (await takeMails()).filter((m) => to(m) !== 'camille@example.org');
    expect(resent.map(to)).toEqual(['lea.dubois@example.net']);
    expect(text((await client.get(page)).html)).toContain('Envoyé le 24/12/2026 16:00 à lea.dubois@example.net.');
    // The buyer was told of each send, once.
    const notes = await rowsOf(app, `SELECT payload FROM outbox_messages WHERE kind = 'voucher_gift_sent' AND recipient = 'camille@example.org'`);
    expect(notes).toHaveLength(2);
  });

  it('refuses a past date, a wrong address or a date that does not exist beside the field (422, French and English)', async () => {
    clock.set('2026-12-20T10:00:00Z');
    const { order, voucherIds, client, page, action } = await orderPage();
    const { html } = await client.get(page);
    const v = voucherIds[0]!;
    const past = await client.post(action, { voucherId: v, recipientEmail: 'a@example.net', when: 'later', sendDate: '2026-12-19', sendTime: '10:00' }, html);
    expect(past.res.status).toBe(422);
    expect(past.html).toContain('Cette date est passée');
    expect(past.html).toMatch(/id="sendDate-[^"]+" name="sendDate"[^>]*aria-invalid="true"/);
    const bad = await client.post(action, { voucherId: v, recipientEmail: 'pas-une-adresse', when: 'now' }, html);
    expect(bad.res.status).toBe(422);
    expect(bad.html).toContain('Saisissez une adresse e-mail valide');
    const feb30 = await client.post(action, { voucherId: v, recipientEmail: 'a@example.net', when: 'later', sendDate: '2027-02-30', sendTime: '10:00' }, html);
    expect(feb30.res.status).toBe(422);
    expect(feb30.html).toContain('Saisissez une date');
    const en = await client.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en', cookie: 'lang=en' },
      body: new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(html)![1]!, voucherId: v, recipientEmail: 'a@example.net', when: 'later', sendDate: '2026-12-19', sendTime: '10:00' }).toString(),
    });
    expect(en.status).toBe(422);
    expect(await en.text()).toContain('This date has passed');
    expect(await rowOf(app, `SELECT COUNT(*) AS n FROM voucher_gifts WHERE order_id = @o`, { o: order.id })).toEqual({ n: 0 });
  });

  it('refuses another order’s voucher (404), a wrong token (404) and a cancelled voucher (409)', async () => {
    const mine = await orderPage();
    const other = await paidOrderWithToken(app);
    const { html } = await mine.client.get(mine.page);
    const foreign = await mine.client.post(mine.action, { voucherId: other.voucherIds[0]!, recipientEmail: 'a@example.net', when: 'now' }, html);
    expect(foreign.res.status).toBe(404);
    const wrongToken = await mine.client.post(`/commandes/${mine.order.id}/cadeaux?token=nope`, { voucherId: mine.voucherIds[0]!, recipientEmail: 'a@example.net', when: 'now' }, html);
    expect(wrongToken.res.status).toBe(404);
    const code = (await rowOf<{ code: string }>(app, 'SELECT code FROM vouchers WHERE id = @v', { v: mine.voucherIds[1]! }))!.code;
    await setVoucherStatusOn(app, code, 'cancelled');
    const cancelled = await mine.client.post(mine.action, { voucherId: mine.voucherIds[1]!, recipientEmail: 'a@example.net', when: 'now' }, html);
    expect(cancelled.res.status).toBe(409);
    expect(cancelled.html).toContain('Ce bon n’est plus valable');
  });

  it('a voucher cancelled after its gift was scheduled is not mailed, and the buyer sees it was not sent', async () => {
    clock.set('2026-12-20T10:00:00Z');
    const { voucherIds, client, page, action } = await orderPage();
    const { html } = await client.get(page);
    const v = voucherIds[0]!;
    expect((await client.post(action, { voucherId: v, recipientEmail: 'b@example.net', when: 'later', sendDate: '2026-12-22', sendTime: '12:00' }, html)).res.status).toBe(303);
    const code = (await rowOf<{ code: string }>(app, 'SELECT code FROM vouchers WHERE id = @v', { v }))!.code;
    await setVoucherStatusOn(app, code, 'cancelled');
    clock.set('2026-12-22T11:00:00Z');
    expect((await takeMails()).map(to)).not.toContain('b@example.net');
    expect(await rowOf(app, `SELECT status, attempts FROM outbox_messages WHERE kind = 'voucher_gift' AND recipient = 'b@example.net'`)).toEqual({ status: 'failed', attempts: 1 });
    expect(text((await client.get(page)).html)).toContain('Non envoyé à b@example.net : le bon n’était plus valable.');
  });
});

describe('the same through the JSON API (POST/GET /api/v1/orders/:id/gifts)', () => {
  it('schedules by code with an ISO instant, changes a waiting send (200), lists where each stands, refuses in the contract’s shape', async () => {
    clock.set('2026-12-20T10:00:00Z');
    const { order, token } = await paidOrderWithToken(app);
    await takeMails();
    const api = (method: string, body?: object) =>
      fetch(`${app.url}/api/v1/orders/${order.id}/gifts`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' }, body: body && JSON.stringify(body) });
    const read = (await (await fetch(`${app.url}/api/v1/orders/${order.id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { vouchers: { code: string }[] };
    const code = read.vouchers[0]!.code;

    const created = await api('POST', { code, recipientEmail: 'Noe@Example.net', message: 'Pour toi', sendAt: '2026-12-31T18:00:00+01:00' });
    expect(created.status).toBe(201);
    const gift = ((await created.json()) as { gift: Record<string, unknown> }).gift;
    expect(gift).toMatchObject({ code, recipientEmail: 'noe@example.net', sendAt: '2026-12-31T17:00:00.000Z', status: 'scheduled', sentAt: null });
    const changed = await api('POST', { code, recipientEmail: 'noe@example.net', sendAt: '2026-12-31T19:00:00+01:00' });
    expect(changed.status).toBe(200);

    const past = await api('POST', { code, recipientEmail: 'noe@example.net', sendAt: '2026-12-01T10:00:00Z' });
    expect(past.status).toBe(422);
    expect(await past.json()).toEqual({ error: { code: 'GIFT_DATE_PAST', message: expect.any(String), fields: { sendAt: expect.stringContaining('passée') } } });
    const unknown = await api('POST', { code: 'AAAA-BBBB-CCCC-DDDD-EEEE', recipientEmail: 'noe@example.net' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('VOUCHER_NOT_FOUND');
    const extra = await api('POST', { code, recipientEmail: 'noe@example.net', cc: 'x@example.net' });
    expect(extra.status).toBe(422);

    clock.set('2026-12-31T18:00:00Z');
    expect((await takeMails()).map(to)).toContain('noe@example.net');
    const list = (await (await api('GET')).json()) as { gifts: Record<string, unknown>[] };
    expect(list.gifts).toEqual([expect.objectContaining({ code, status: 'sent', sentAt: '2026-12-31T18:00:00.000Z', sendAt: '2026-12-31T18:00:00.000Z' })]);
  });
});
