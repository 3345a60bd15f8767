import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

// Issue 15, item 4: the back-office speaks in names and French dates, never ISO dates.
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

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
