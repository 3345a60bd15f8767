import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { rowOf, rowsOf } from '../support/backend-query';
import { DEMO_ADMIN_EMAIL, operatorClient } from '../support/operator';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

// Issue 15, item 4: the back-office speaks in names and French dates, never ISO dates.
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

/** The demo admin (id and name), read on the app's backend. */
const demoAdmin = async () => (await rowOf<{ id: string; name: string }>(app, 'SELECT id, name FROM operator_users WHERE email = @email', { email: DEMO_ADMIN_EMAIL }))!;
/** An audit entry written as audit-log.ts `audit` writes it, on the app's backend. */
const audited = (e: { actor: string; action: string; entityType: string; entityId: string; reason?: string }) =>
  rowsOf(app, 'INSERT INTO audit_log (at, actor, action, entity_type, entity_id, reason) VALUES (@at, @actor, @action, @entityType, @entityId, @reason)', {
    at: new Date().toISOString(), actor: e.actor, action: e.action, entityType: e.entityType, entityId: e.entityId, reason: e.reason ?? null,
  });

/** What a reader sees: tags (and so attribute values such as <input type=date> and links) removed. */
const visible = (html: string) => html.replace(/<script[\s\S]*?<\/script>/g, ' ').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const ISO_DAY = /\b\d{4}-\d{2}-\d{2}\b/;

async function shopOwner() {
  const client = new FormClient(app.url);
  const page = await client.get('/connexion');
  const res = await client.post('/connexion', { email: 'galerne@demo.bons-locaux.fr', password: DEMO_PASSWORD, next: '/commercant' }, page.html);
  expect(res.res.status).toBe(303);
  return client;
}

describe('dates in the shop back-office', () => {
  it('the dashboard shows its period and daily totals as French dates, not « 2026-11-08 → 2026-12-07 »', async () => {
    const shop = await shopOwner();
    const fr = visible((await shop.get('/commercant?from=2026-11-08&to=2026-12-07')).html);
    expect(fr).toContain('8 novembre – 7 décembre 2026');
    expect(fr).not.toMatch(ISO_DAY);
    const en = visible((await shop.get('/commercant?from=2026-11-08&to=2026-12-07', { 'accept-language': 'en' })).html);
    expect(en).toContain('8 November – 7 December 2026');
  });
});

describe('the audit log in words', () => {
  it('shows actions, people and objects by label, name and reference, not `order_transfer_recorded`, `operator:<uuid>`, `payment:demo`', async () => {
    const admin = await demoAdmin();
    const order = (await rowOf<{ id: string; reference: string }>(app, `SELECT id, reference FROM orders ORDER BY created_at, id LIMIT 1`))!;
    await audited({ actor: `operator:${admin.id}`, action: 'order_transfer_recorded', entityType: 'order', entityId: order.id, reason: 'virement reçu' });
    await audited({ actor: 'payment:demo', action: 'order_payment_confirmed', entityType: 'order', entityId: order.id });
    const operator = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const page = await operator.get(`/operateur/journal-audit?q=${order.id}`);
    expect(page.res.status).toBe(200);
    // The before/after details are the stored change, shown as recorded (folded away).
    const seen = visible(page.html.replace(/<details>[\s\S]*?<\/details>/g, ' '));
    expect(seen).toContain('Virement enregistré');
    expect(seen).toContain('Paiement confirmé');
    expect(seen).toContain(`Opérateur ${admin.name}`);
    expect(seen).toContain('Paiement (demo)');
    expect(seen).toContain(order.reference);
    expect(seen).toContain('Commande');
    for (const raw of ['order_transfer_recorded', 'order_payment_confirmed', `operator:${admin.id}`, 'payment:demo', order.id]) expect(seen).not.toContain(raw);
    // The link to the order stays, and the filter still sends the raw action the search needs.
    expect(page.html).toContain(`href="/operateur/commandes/${order.id}"`);
    expect(page.html).toMatch(/<option value="order_transfer_recorded"[^>]*>Virement enregistré<\/option>/);
  });
});

describe('a voucher’s history in words', () => {
  it('the voucher page lists « Bon bloqué · Opérateur … », not `voucher_block · operator:<uuid>`', async () => {
    const admin = await demoAdmin();
    const voucherId = (await rowOf<{ id: string }>(app, `SELECT id FROM vouchers ORDER BY issued_at, id LIMIT 1`))!.id;
    await audited({ actor: `operator:${admin.id}`, action: 'voucher_block', entityType: 'voucher', entityId: voucherId, reason: 'perdu' });
    const operator = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const seen = visible((await operator.get(`/operateur/bons/${voucherId}`)).html);
    expect(seen).toContain(`Bon bloqué · Opérateur ${admin.name}`);
    expect(seen).not.toContain('voucher_block');
    expect(seen).not.toContain(`operator:${admin.id}`);
  });
});

describe('shop categories in the page’s language', () => {
  it('the campaign page and the operator’s shop list show « Bookshop », not « Librairie », in English', async () => {
    const stored = (await rowsOf<{ category: string }>(app, `SELECT DISTINCT category FROM merchants WHERE category IN ('Librairie', 'Fleuriste', 'Épicerie fine')`)).map((r) => r.category);
    expect(stored.length).toBeGreaterThan(0);
    const english: Record<string, string> = { Librairie: 'Bookshop', Fleuriste: 'Florist', 'Épicerie fine': 'Delicatessen' };
    const visitor = new FormClient(app.url);
    const en = visible((await visitor.get('/campagnes/seine-estuaire', { 'accept-language': 'en' })).html);
    const fr = visible((await visitor.get('/campagnes/seine-estuaire')).html);
    const operator = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const list = visible((await operator.get('/operateur/commerces', { 'accept-language': 'en' })).html);
    for (const c of stored) {
      expect(fr).toContain(c);
      expect(en).toContain(english[c]);
      expect(list).toContain(english[c]);
    }
  });
});
