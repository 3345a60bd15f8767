/**
 * Scale, by query plans: on ~50 000 redemptions (built with set-based SQL, as
 * bench/settlement-data.ts does), every page and download of the operator, the shop and
 * the voucher holder, and the till's calls, are requested through HTTP while every
 * statement the connection runs is recorded; SQLite's EXPLAIN QUERY PLAN of each must not
 * read a history table in full. A query that walks all history shows here at a small size,
 * long before the national dataset (bench/scale.bench.ts) makes it slow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { createMerchantUser } from '../../server/domain/merchants/merchant-users-service';
import { shopKey } from '../support/builders';
import { DEMO_ADMIN_EMAIL, operatorClient } from '../support/operator';
import { QueryRecorder, type FullScan } from '../support/query-plans';
import { listRoutes } from '../support/routes';
import { FormClient, fixedClock, startTestApp, type TestApp } from '../support/test-app';
import { buildSettledScale } from '../support/scale-dataset';

/** The tables that grow with history: none may be read in full by a request (payments: one or more per order). */
const HISTORY_TABLES = ['vouchers', 'redemptions', 'movements', 'journals', 'journal_lines', 'payments'] as const;
/**
 * Report queries allowed to read all history: none since the reports read the aggregates the
 * ledger writer maintains (migration 0017). An entry here fails the test once its query is
 * gone, so the list can only shrink; nothing may be added.
 */
const PENDING_REPORT_SCANS: { table: string; sqlStart: string }[] = [];
const VOUCHERS = 5_000; // × 10 redemptions each
const SHOPS = 20;

const clock = fixedClock('2026-11-20T10:00:00Z');
let app: TestApp;
let recorder: QueryRecorder;
let admin: FormClient;
let shopUser: FormClient;
let till: { authorization: string };
let sample: { code: string; orderId: string; batchId: string; statementId: string; redemptionId: string };

beforeAll(async () => {
  app = await startTestApp({ clock });
  const database = app.database;
  await buildSettledScale(app, clock, { shops: SHOPS, vouchers: VOUCHERS });
  const shop = 'bench-shop-0001';
  await createMerchantUser({ database, clock }, { merchantSlug: shop, email: 'scale@example.org', password: 'a long scale password', role: 'owner' });
  till = shopKey(app, shop).headers as { authorization: string };
  const q = <T>(sql: string) => database.sqlite.prepare(sql).get() as T;
  sample = {
    ...q<{ code: string; orderId: string }>(`SELECT code, order_id AS orderId FROM vouchers WHERE amount_cents = 10000 ORDER BY rowid DESC LIMIT 1`),
    ...q<{ batchId: string }>(`SELECT id AS batchId FROM settlement_batches LIMIT 1`),
    ...q<{ statementId: string }>(`SELECT s.id AS statementId FROM statements s JOIN merchants m ON m.id = s.merchant_id WHERE m.slug = '${shop}' LIMIT 1`),
    redemptionId: '',
  };
  admin = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
  shopUser = new FormClient(app.url);
  const login = await shopUser.get('/connexion');
  expect((await shopUser.post('/connexion', { email: 'scale@example.org', password: 'a long scale password', next: '/commercant' }, login.html)).res.status).toBe(303);
  recorder = new QueryRecorder(database.sqlite).install();
}, 120_000);
afterAll(async () => {
  recorder?.uninstall();
  await app?.close();
});

/** Requests `fn`'s pages and returns every full read of a history table among their statements. */
async function scansDuring(fn: () => Promise<unknown>): Promise<FullScan[]> {
  const ran = await recorder.during(fn);
  expect(ran.length).toBeGreaterThan(0);
  return ran.flatMap((s) => recorder.fullScans(s, HISTORY_TABLES));
}

async function ok(client: FormClient, path: string): Promise<void> {
  const { res } = await client.get(path);
  expect(res.status, path).toBe(200);
}

const describeScans = (scans: FullScan[]) => scans.map((s) => `${s.table}: ${s.detail}\n    ${s.sql.replace(/\s+/g, ' ').slice(0, 300)}`);

describe('scale: no request reads a history table in full (EXPLAIN QUERY PLAN, ~50 000 redemptions)', () => {
  it('built the dataset: 50 000 redemptions over 20 shops, settled', () => {
    const n = app.database.sqlite.prepare(`SELECT COUNT(*) FROM redemptions WHERE statement_id IS NOT NULL`).pluck().get();
    expect(n).toBe(VOUCHERS * 10);
  });

  it('the till: lookup, redemption, its retry (original balance) and void', async () => {
    const api = (path: string, init: RequestInit = {}) => fetch(new URL(path, app.url), { ...init, headers: { ...till, 'content-type': 'application/json', ...(init.headers ?? {}) } });
    const scans = await scansDuring(async () => {
      expect((await api(`/api/v1/vouchers/${sample.code}`)).status).toBe(200);
      const body = JSON.stringify({ code: sample.code, amountCents: 1_00, idempotencyKey: 'scale-plan-1' });
      const first = await api('/api/v1/redemptions', { method: 'POST', body });
      expect(first.status).toBe(201);
      const retry = await api('/api/v1/redemptions', { method: 'POST', body });
      expect(retry.status).toBe(200);
      sample.redemptionId = ((await first.json()) as { redemption: { id: string } }).redemption.id;
      expect((await api(`/api/v1/redemptions/${sample.redemptionId}/void`, { method: 'POST' })).status).toBe(200);
      expect((await api(`/api/v1/redemptions?from=2026-11-19&to=2026-11-20`)).status).toBe(200);
    });
    expect(describeScans(scans)).toEqual([]);
  });

  it('the public voucher page and its history', async () => {
    const scans = await scansDuring(() => ok(new FormClient(app.url), `/v/${sample.code}`));
    expect(describeScans(scans)).toEqual([]);
  });

  it('the public campaign page with its shop directory, searched and filtered (issue 15)', async () => {
    const scans = await scansDuring(async () => {
      for (const p of ['/campagnes/seine-estuaire', '/campagnes/seine-estuaire?q=bench&ouvert=1', '/campagnes/seine-estuaire?categorie=Librairie']) await ok(new FormClient(app.url), p);
    });
    expect(describeScans(scans)).toEqual([]);
    // The directory's own tables are read through their keys too (they grow with shops, not history).
    const ran = await recorder.during(() => ok(new FormClient(app.url), '/campagnes/seine-estuaire?ville=Le%20Havre'));
    expect(describeScans(ran.flatMap((s) => recorder.fullScans(s, ['merchants', 'campaign_merchants', 'merchant_opening_hours'])))).toEqual([]);
  });

  it('the shop area: till page, dashboard, operations CSV, statements and their CSV', async () => {
    const scans = await scansDuring(async () => {
      for (const p of ['/caisse', '/commercant', '/commercant/operations.csv', '/commercant/releves', `/commercant/releves/${sample.statementId}`, `/commercant/releves/${sample.statementId}.csv`]) await ok(shopUser, p);
    });
    expect(describeScans(scans)).toEqual([]);
  });

  it('the operator pages: lists and details of vouchers, orders, shops, campaigns, settlements, audit', async () => {
    const scans = await scansDuring(async () => {
      for (const p of [
        '/operateur/bons', `/operateur/bons?q=${sample.code.slice(0, 6)}`, '/operateur/bons?q=social%40mairie-exemple.fr', `/operateur/bons/${sample.code}`,
        '/operateur/commandes', `/operateur/commandes/${sample.orderId}`,
        '/operateur/commerces', '/operateur/commerces/bench-shop-0001',
        '/operateur/campagnes', '/operateur/campagnes/seine-estuaire',
        '/operateur/reglements', `/operateur/reglements/${sample.batchId}`, `/operateur/reglements/${sample.batchId}/sepa.xml`,
        `/operateur/releves/${sample.statementId}/releve.csv`,
        '/operateur/journal-audit', '/operateur/journal-audit/encaissements', '/operateur/journal-audit/encaissements.csv', '/operateur/journal-audit.csv',
      ]) await ok(admin, p);
    });
    expect(describeScans(scans)).toEqual([]);
  });

  it('the operator exports of a period: FEC and journal CSV of one day, found by date', async () => {
    const ran = await recorder.during(async () => {
      for (const p of ['/operateur/rapports/fec.txt?from=2026-11-19&to=2026-11-19', '/operateur/rapports/journal.csv?from=2026-11-19&to=2026-11-19']) await ok(admin, p);
    });
    expect(describeScans(ran.flatMap((s) => recorder.fullScans(s, HISTORY_TABLES)))).toEqual([]);
    // A SEARCH on (journal_code, entry_number) alone would walk every entry before the day:
    // the period is found through the date index.
    expect(ran.some((s) => recorder.plan(s).some((d) => d.includes('journals_created_at_idx')))).toBe(true);
  });

  it('the operator reports: reports page, liability CSV, impact dashboard and its CSVs', async () => {
    const scans = await scansDuring(async () => {
      for (const p of ['/operateur/rapports', '/operateur/rapports/encours.csv', '/operateur/impact', '/operateur/impact?campagne=seine-estuaire', ...['campagnes', 'acheteurs', 'commerces', 'categories', 'communes', 'semaines', 'top-commerces'].map((t) => `/operateur/impact/${t}.csv`)]) await ok(admin, p);
    });
    const pending = (s: FullScan) => PENDING_REPORT_SCANS.some((p) => p.table === s.table && s.sql.replace(/\s+/g, ' ').startsWith(p.sqlStart));
    expect(describeScans(scans.filter((s) => !pending(s)))).toEqual([]);
    // Both ways: an entry whose scan is gone must leave the list (the ratchet only tightens).
    expect(PENDING_REPORT_SCANS.filter((p) => !scans.some((s) => p.table === s.table && s.sql.replace(/\s+/g, ' ').startsWith(p.sqlStart)))).toEqual([]);
  });

  it('check-ledger reads no history table once per row (no scan under a correlated subquery)', async () => {
    let breaches: unknown[] = [];
    const ran = await recorder.during(async () => {
      breaches = checkLedger(app.database);
    });
    expect(breaches).toEqual([]);
    expect(describeScans(ran.flatMap((s) => recorder.scansPerRow(s, HISTORY_TABLES)))).toEqual([]);
  });

  it('covers every page and download of the operator and shop areas that reads data', () => {
    const visited = new Set(['/caisse', '/commercant', '/commercant/operations.csv', '/commercant/releves', '/commercant/releves/:id', '/commercant/releves/:id.csv',
      '/operateur/bons', '/operateur/bons/:code', '/operateur/commandes', '/operateur/commandes/:id', '/operateur/commerces', '/operateur/commerces/:slug', '/operateur/campagnes', '/operateur/campagnes/:slug',
      '/operateur/reglements', '/operateur/reglements/:id', '/operateur/reglements/:id/sepa.xml', '/operateur/releves/:sid/releve.csv',
      '/operateur/journal-audit', '/operateur/journal-audit/encaissements', '/operateur/journal-audit/encaissements.csv', '/operateur/journal-audit.csv',
      '/operateur/rapports/fec.txt', '/operateur/rapports/journal.csv', '/operateur/rapports', '/operateur/rapports/encours.csv', '/operateur/impact', '/operateur/impact/:file']);
    // Pages that read no history (forms, sign-in, account settings), the same file split in
    // parts, and a statement's PDFs: drawn (seconds each) from what its CSV reads (sendStatementDocument).
    const withoutHistory = new Set(['/commercant/releves/:id.pdf', '/operateur/releves/:sid/releve.pdf',
      '/operateur/connexion', '/operateur', '/operateur/securite', '/operateur/campagnes/nouvelle', '/operateur/reglements/:id/sepa-:seq.xml',
      '/operateur/releves/:sid/facture.pdf', '/commercant/cles', '/commercant/equipe', '/commercant/releves/:id/facture.pdf',
      '/operateur/pages-legales', '/operateur/pages-legales/:page', '/operateur/donnees-personnelles', '/commercant/horaires', '/operateur/identite-visuelle']);
    const areas = listRoutes(app.app).filter((r) => r.method === 'GET' && /^\/(operateur|commercant|caisse)(\/|$)/.test(r.path)).map((r) => r.path);
    expect(areas.filter((p) => !visited.has(p) && !withoutHistory.has(p))).toEqual([]);
  });
});
