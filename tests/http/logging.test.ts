import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../server/lib/logger';
import { startTestApp, type TestApp } from '../support/test-app';
import { paidVoucherOn, shopKeyOn } from '../support/builders';

let app: TestApp;
const lines: string[] = [];
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  app = await startTestApp({ logger: createLogger('info', sink) });
});
afterAll(() => app.close());

describe('structured logs', () => {
  it('log each request with its id, and never tokens, credentials or cookies', async () => {
    const created = await (
      await fetch(`${app.url}/api/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ campaign: 'seine-estuaire', buyer: { type: 'individual', name: 'A', email: 'a@example.org' }, items: [{ amountCents: 1000, quantity: 1 }], paymentMethod: 'card' }),
      })
    ).json();
    const token: string = created.accessToken;
    const res = await fetch(`${app.url}/api/v1/orders/${created.order.id}`, { headers: { authorization: `Bearer ${token}`, cookie: 'csrf_id=secretcookievalue1234567' } });
    const reqId = res.headers.get('x-request-id')!;
    await fetch(`${app.url}/commandes/${created.order.id}?token=${token}`);
    await new Promise((r) => setTimeout(r, 50));
    const log = lines.join('');
    expect(log).toContain(reqId);
    expect(log).toContain(`/api/v1/orders/${created.order.id}`);
    expect(log).not.toContain(token);
    expect(log).not.toContain('secretcookievalue');
    expect(log).not.toContain('test-session-secret');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});

describe('the till\'s POST, answered before the router', () => {
  it('is logged like any request (id, path, status) and never with the shop key', async () => {
    const key = await shopKeyOn(app, 'librairie-la-galerne');
    const v = await paidVoucherOn({ ...app, baseUrl: app.url }, 20_00);
    const post = (amountCents: number) =>
      fetch(`${app.url}/api/v1/redemptions`, { method: 'POST', headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ code: v.code, amountCents, idempotencyKey: `log-${amountCents}-${Date.now()}` }) });
    const ok = await post(5_00);
    const refused = await post(50_00);
    expect([ok.status, refused.status]).toEqual([201, 409]);
    await new Promise((r) => setTimeout(r, 50));
    const entries = lines.map((l) => JSON.parse(l) as { reqId?: string; path?: string; status?: number; msg?: string });
    for (const [res, status] of [[ok, 201], [refused, 409]] as const) {
      const entry = entries.find((e) => e.reqId === res.headers.get('x-request-id') && e.msg === 'request');
      expect(entry).toMatchObject({ path: '/api/v1/redemptions', status });
    }
    expect(lines.join('')).not.toContain(key.key);
  });
});

describe('password links in logs', () => {
  it('replaces a token in the path, keeps ids', async () => {
    const { redactTokens } = await import('../../server/web/middleware/request-log');
    expect(redactTokens('/mot-de-passe/Xy3_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-_A')).toBe('/mot-de-passe/[token]');
    expect(redactTokens('/api/v1/orders/b05547d7-3c43-4edf-83c1-0123456789ab')).toBe('/api/v1/orders/b05547d7-3c43-4edf-83c1-0123456789ab');
  });
});
