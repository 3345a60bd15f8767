import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL as FULL_LEDGER } from '../../server/domain/ledger/ledger-scope';
import { sqliteTill } from '../../server/domain/redemptions/redemptions-service';
import { readOn } from '../../server/web/backend-units';
import { rowOf } from '../support/backend-query';
import { buyVouchers } from '../support/builders';
import { hasXmllint, merchantId, validateSepa } from '../support/settlement';
import { FormClient, fixedClock, startTestApp, type TestApp } from '../support/test-app';
import { operatorClient } from '../support/operator';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const clock = fixedClock('2026-11-16T09:00:00Z');
let app: TestApp;
let admin: FormClient;
let viewer: FormClient;

const signedIn = (email: string, password?: string) => operatorClient(app.url, email, password);

// On either backend (TEST_BACKEND=postgres): the redemptions are made on the SQLite file
// before the copy; the settlement and its documents run on the app's backend.
beforeAll(async () => {
  app = await startTestApp({
    clock,
    prepare: async (database) => {
      const till = sqliteTill({ database, clock, voidWindowMinutes: 30 });
      const take = (slug: string, code: string, amountCents: number) =>
        till.redeem({ merchantId: merchantId(database, slug), actor: 'test', code, amountCents, idempotencyKey: `operator-settlements-${slug}` });
      const [v] = await buyVouchers({ database, clock }, { amountCents: 100_00, quantity: 1 });
      await take('librairie-la-galerne', v!.code, 42_00);
      database.sqlite.prepare(`UPDATE merchants SET iban = NULL WHERE slug = 'fromagerie-du-marche'`).run();
      const [w] = await buyVouchers({ database, clock }, { amountCents: 50_00, quantity: 1 });
      await take('fromagerie-du-marche', w!.code, 8_00);
    },
  });
  admin = await signedIn('operateur@demo.bons-locaux.fr');
  viewer = await signedIn('lecture@demo.bons-locaux.fr');
  clock.advance(3600_000);
});
afterAll(() => app?.close());

describe('operator settlement pages', () => {
  it('shows what waits, with the held-back shop and its reason; a viewer sees it without the run form', async () => {
    const page = await viewer.get('/operateur/reglements');
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('Librairie La Galerne');
    expect(page.html).toContain('coordonnées bancaires manquantes');
    expect(page.html).not.toContain('Lancer le règlement');
    const denied = await viewer.post('/operateur/reglements', { until: '2026-11-16' }, page.html);
    expect(denied.res.status).toBe(403);
    expect((await rowOf<{ n: number }>(app, `SELECT COUNT(*) AS n FROM settlement_batches`))!.n).toBe(0);
  });

  it('runs a settlement from the page, offers the SEPA file and records its execution once', async () => {
    const page = await admin.get('/operateur/reglements');
    expect(page.html).toContain('Lancer le règlement');
    expect((await admin.post('/operateur/reglements', { until: 'not-a-date' }, page.html)).res.status).toBe(422);
    const run = await admin.post('/operateur/reglements', { until: '2026-11-16' }, page.html);
    expect(run.res.status).toBe(303);
    const location = run.res.headers.get('location')!;
    const detail = await admin.get(location);
    expect(detail.html).toMatch(/RGL-2026-\d{4}/);
    expect(detail.html).toContain('Librairie La Galerne');
    expect(detail.html).toContain('Commerces retenus');
    const xml = await admin.get(`${location}/sepa.xml`);
    expect(xml.res.status).toBe(200);
    expect(xml.html).toContain('<NbOfTxs>1</NbOfTxs>');
    if (hasXmllint) {
      const file = join(app.dataDir, 'from-page.xml');
      writeFileSync(file, xml.html);
      validateSepa(file);
    }
    expect((await viewer.get(`${location}/sepa.xml`)).res.status).toBe(200); // read-only: allowed
    const statementId = (await rowOf<{ id: string }>(app, `SELECT id FROM statements LIMIT 1`))!.id;
    for (const doc of ['releve.pdf', 'releve.csv', 'facture.pdf']) {
      const res = await viewer.request(`/operateur/releves/${statementId}/${doc}`);
      expect(res.status, doc).toBe(200);
      await res.arrayBuffer();
    }
    expect((await viewer.request(`/operateur/releves/not-an-id/releve.pdf`)).status).toBe(404);
    expect((await fetch(`${app.url}/operateur/releves/${statementId}/releve.pdf`, { redirect: 'manual' })).status).toBe(303);
    expect((await viewer.post(`${location}/execute`, {}, detail.html)).res.status).toBe(403);
    const executed = await admin.post(`${location}/execute`, {}, detail.html);
    expect(executed.html).toContain('1 relevé marqué payé');
    expect((await admin.post(`${location}/execute`, {}, detail.html)).html).toContain('déjà marqué exécuté');
    expect(await readOn(app, (dialect) => ledgerChecks(FULL_LEDGER, dialect))).toEqual([]);
  });

  it('shows the reports and streams the FEC; anonymous visitors go to the sign-in page', async () => {
    const reports = await viewer.get('/operateur/rapports');
    expect(reports.res.status).toBe(200);
    expect(reports.html).toContain('Encours par campagne');
    const fec = await viewer.get('/operateur/rapports/fec.txt?from=2026-11-01&to=2026-11-30');
    expect(fec.res.status).toBe(200);
    expect(fec.html.split('\n')[0]).toMatch(/^JournalCode\tJournalLib/);
    expect((await viewer.get('/operateur/rapports/encours.csv')).html).toContain('seine-estuaire');
    for (const path of ['/operateur/reglements', '/operateur/rapports', '/operateur/rapports/fec.txt']) {
      const res = await fetch(app.url + path, { redirect: 'manual' });
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toContain('/operateur/connexion');
    }
  });
});
