import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKeyOn, shopKeyOn, type BuiltKey } from '../support/builders';
import { DEMO_ADMIN_EMAIL, operatorClient } from '../support/operator';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * A NUL character (%00) in a path: PostgreSQL cannot bind U+0000 in a text parameter, so
 * before web/middleware/errors.ts `nulPathNotFound` every lookup by such an id, code or
 * slug answered 500 there (found by api-fuzz.test.ts under TEST_BACKEND=postgres), where
 * SQLite found no row. Now 404 NOT_FOUND on both backends, before any lookup.
 */
let app: TestApp;
let shop: BuiltKey;
let admin: BuiltKey;
beforeAll(async () => {
  app = await startTestApp();
  shop = await shopKeyOn(app, 'librairie-la-galerne');
  admin = await adminKeyOn(app);
});
afterAll(() => app?.close());

describe('a path with a NUL character', () => {
  const api: [string, string, () => Record<string, string>][] = [
    ['GET', '/api/v1/campaigns/A%00B', () => ({})],
    ['GET', '/api/v1/campaigns/A%00B/merchants', () => ({})],
    ['GET', '/api/v1/orders/A%00B', () => admin.headers],
    ['GET', '/api/v1/orders/A%00B/vouchers.pdf', () => admin.headers],
    ['GET', '/api/v1/orders/A%00B/gifts', () => admin.headers],
    ['POST', '/api/v1/orders/A%00B/payments', () => admin.headers],
    ['GET', '/api/v1/vouchers/A%00B', () => shop.headers],
    ['POST', '/api/v1/redemptions/A%00B/void', () => shop.headers],
  ];
  it.each(api)('%s %s: 404 NOT_FOUND in the error shape', async (method, path, headers) => {
    const res = await fetch(`${app.url}${path}`, { method, headers: { ...headers(), 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
  });

  it('a page (the voucher page, a campaign page): 404, not an error page', async () => {
    for (const path of ['/v/A%00B', '/v/A%00B.pdf', '/campagnes/A%00B']) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status, path).toBe(404);
    }
  });

  it('in a query string (a search, a filter): 400 VALIDATION_FAILED, on the API and the back-office (was a 500 on PostgreSQL)', async () => {
    const res = await fetch(`${app.url}/api/v1/redemptions?from=2026-01-01&cursor=%00`, { headers: shop.headers });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('VALIDATION_FAILED');
    const operator = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    for (const path of ['/operateur/bons?q=A%00', '/operateur/commerces?q=%00', '/operateur/commandes?q=%00']) {
      const page = await operator.get(path);
      expect(page.res.status, path).toBe(400);
      expect(page.html, path).toContain('Certaines données sont invalides.');
    }
  });
});
