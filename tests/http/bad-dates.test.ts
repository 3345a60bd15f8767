import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { parseCampaignForm, type CampaignFormValues } from '../../server/domain/campaigns/campaign-form';
import { addDays, endOfParisDay, startOfParisDay } from '../../server/lib/paris-time';
import { FIRST_DAY, isCalendarDate, LAST_DAY } from '../../server/lib/calendar-date';
import { settleCommand } from '../../server/cli/settlement-commands';
import { exportCommand } from '../../server/cli/report-commands';
import { parseNow } from '../../server/cli/expiry-commands';
import { UsageError } from '../../server/cli/command';
import { adminKeyOn, postOrder, shopKeyOn, TOWN_HALL_BUYER } from '../support/builders';
import { DEMO_ADMIN_EMAIL, operatorClient } from '../support/operator';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

/**
 * Finding 4 of the security review: far-future and impossible dates threw RangeError in the
 * Paris-time helpers (500). Every route, form and CLI option that takes a date reads it with
 * the one strict reader; none may answer 5xx.
 */
const BAD = ['9999-12-31', '2026-99-99', '0000-00-00', '2026-02-30', '1899-12-31', '+10000-01-01', '2026-1-1'];

let app: TestApp;
let shop: FormClient;
let operator: FormClient;
beforeAll(async () => {
  app = await startTestApp();
  shop = new FormClient(app.url);
  const page = await shop.get('/connexion');
  expect((await shop.post('/connexion', { email: 'galerne@demo.bons-locaux.fr', password: DEMO_PASSWORD, next: '/commercant' }, page.html)).res.status).toBe(303);
  operator = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
});
afterAll(() => app.close());

describe('the one strict date reader', () => {
  it('accepts real days from 2000 to 2100 and refuses the rest; the Paris helpers compute every accepted day', () => {
    for (const d of BAD) expect(isCalendarDate(d), d).toBe(false);
    for (const d of [FIRST_DAY, '2024-02-29', '2026-03-29', '2026-10-25', LAST_DAY]) {
      expect(isCalendarDate(d), d).toBe(true);
      expect(() => [startOfParisDay(d), endOfParisDay(d), startOfParisDay(addDays(d, 1))].map((x) => x.toISOString())).not.toThrow();
    }
  });
});

describe('routes that take a date', () => {
  it('GET /api/v1/redemptions: 422 VALIDATION_FAILED, never 5xx', async () => {
    const { headers } = await shopKeyOn(app, 'librairie-la-galerne');
    for (const d of [...BAD, '9999-12-31T23:59:59Z', '2026-02-30T10:00:00Z']) {
      for (const k of ['from', 'to']) {
        const res = await fetch(`${app.url}/api/v1/redemptions?${k}=${encodeURIComponent(d)}`, { headers: { ...headers, 'accept-language': 'en' } });
        expect(res.status, `${k}=${d}`).toBe(422);
        expect((await res.json()).error).toMatchObject({ code: 'VALIDATION_FAILED', fields: { [k]: 'Invalid date (YYYY-MM-DD or ISO-8601, between 2000 and 2100).' } });
      }
    }
    expect((await fetch(`${app.url}/api/v1/redemptions?from=2026-01-01&to=2100-12-31`, { headers })).status).toBe(200);
  });

  it('the shop dashboard and its CSV: 422 with a message, never 5xx', async () => {
    for (const path of ['/commercant', '/commercant/operations.csv']) {
      for (const d of BAD) {
        for (const k of ['from', 'to']) {
          const res = await shop.request(`${path}?${k}=${encodeURIComponent(d)}`);
          expect(res.status, `${path} ${k}=${d}`).toBe(422);
          expect(await res.text()).toContain('Date invalide');
        }
      }
      expect((await shop.request(`${path}?from=&to=`)).status).toBe(200);
    }
  });

  it('operator reports (FEC, journal CSV): 422; audit and till-events filters: ignored; never 5xx', async () => {
    for (const d of BAD) {
      for (const k of ['from', 'to']) {
        for (const path of ['/operateur/rapports/fec.txt', '/operateur/rapports/journal.csv']) {
          expect((await operator.request(`${path}?${k}=${encodeURIComponent(d)}`)).status, `${path} ${k}=${d}`).toBe(422);
        }
        for (const path of ['/operateur/journal-audit', '/operateur/journal-audit.csv', '/operateur/journal-audit/encaissements', '/operateur/journal-audit/encaissements.csv']) {
          const res = await operator.request(`${path}?${k}=${encodeURIComponent(d)}`);
          expect(res.status, `${path} ${k}=${d}`).toBeLessThan(500);
          await res.arrayBuffer();
        }
      }
    }
  });

  it('the settlement form (until) re-renders with a message', async () => {
    for (const until of BAD) {
      const page = await operator.get('/operateur/reglements');
      const res = await operator.post('/operateur/reglements', { until }, page.html);
      expect(res.res.status, until).toBe(422);
      expect(res.html).toContain('Date invalide');
    }
  });

  it('the API transfer (receivedAt) and the operator transfer form (receivedOn) refuse them', async () => {
    const admin = await adminKeyOn(app);
    const created = await postOrder(app.url, { buyer: TOWN_HALL_BUYER, items: [{ amountCents: 5000, quantity: 30 }] });
    const { order } = await created.json();
    for (const receivedAt of ['9999-12-31T23:59:59Z', '2026-02-30T10:00:00Z', '0000-01-01T00:00:00Z']) {
      const res = await fetch(`${app.url}/api/v1/orders/${order.id}/payments`, { method: 'POST', headers: { ...admin.headers, 'content-type': 'application/json' }, body: JSON.stringify({ amountCents: 100, reference: 'BANK-1', receivedAt }) });
      expect(res.status, receivedAt).toBe(422);
    }
    for (const receivedOn of BAD) {
      const page = await operator.get(`/operateur/commandes/${order.id}`);
      const res = await operator.post(`/operateur/commandes/${order.id}/virements`, { amount: '1', reference: 'BANK-2', receivedOn }, page.html);
      expect(res.res.status, receivedOn).toBe(422);
    }
  });

  it('the campaign form refuses a last day of sale it cannot compute', () => {
    const values = {
      name: 'X', description: '', operatorName: 'CCI', sponsorName: 'Ville', target: '1 000', denominations: '10', minAmount: '10', maxAmount: '100', validityDays: '365',
      maxVouchersPerOrder: '20', maxOrderIndividual: '500', maxVouchersPerOrgOrder: '1000', maxOrderOrg: '50000', orgFee: '2', commission: '3', breakageRule: 'sponsor',
      categoriesMode: 'all', categories: [], bonusKind: 'none', bonusPercent: '', bonusFixed: '', bonusCapPerBuyer: '', bonusBudget: '', startsOn: '2026-01-01', lastDay: '',
    } as unknown as CampaignFormValues;
    for (const d of BAD) {
      expect(() => parseCampaignForm({ ...values, lastDay: d }), d).not.toThrow();
      expect(parseCampaignForm({ ...values, lastDay: d }).errors.lastDay, d).toBe('cadmin.errors.date');
      expect(parseCampaignForm({ ...values, startsOn: d }).errors.startsOn, d).toBe('cadmin.errors.date');
    }
  });
});

describe('CLI date options', () => {
  // The commands themselves (a UsageError is exit 2 in cli.ts), then one real process.
  it('settle --until, export-fec/-journal --from/--to, expire --now: a usage error, never a RangeError', async () => {
    for (const d of BAD) {
      await expect(settleCommand(app.database, { until: d }, app.config), `settle ${d}`).rejects.toBeInstanceOf(UsageError);
      await expect(exportCommand(app.database, { out: `${app.dataDir}/fec.txt`, to: d }, 'fec', app.config), `fec ${d}`).rejects.toBeInstanceOf(UsageError);
      await expect(exportCommand(app.database, { out: `${app.dataDir}/j.csv`, from: d }, 'csv', app.config), `journal ${d}`).rejects.toBeInstanceOf(UsageError);
      expect(() => parseNow(d), `--now ${d}`).toThrow(UsageError);
    }
    expect(() => parseNow('9999-12-31T23:59:59Z')).toThrow(UsageError);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'settle', '--until', '9999-12-31'], {
      env: { ...process.env, BASE_URL: 'http://localhost:3000', DATABASE_URL: app.config.databaseUrl, DATA_DIR: app.dataDir, NODE_ENV: 'test' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).not.toContain('RangeError');
  }, 60_000);
});
