/**
 * The operator's reports read maintained aggregates (db/schema/report-totals.ts) that the
 * ledger writer keeps in the same transaction as the movements: these tests check that the
 * aggregates stay equal to the ledger through the money paths, that no report page runs a
 * query scanning history (query plans of the statements each page really runs), that
 * check-ledger sees an aggregate that drifts, and that migration 0017 backfills them.
 */
import { readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_TOTALS, rebuildReportTotals, reportTotalsDifferences } from '../../db/report-totals-sql';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { voidRedemption } from '../../server/domain/redemptions/redemptions-service';
import { adjustVoucher, reissueVoucher } from '../../server/domain/vouchers/support-service';
import { expireVouchers } from '../../server/domain/vouchers/expiry-service';
import { impactShops } from '../../server/reports/impact';
import { liabilityReport } from '../../server/reports/liability';
import { buyVouchers } from '../support/builders';
import { DEMO_ADMIN_EMAIL, operatorClient } from '../support/operator';
import { merchantId, take } from '../support/settlement';
import { fixedClock, startTestApp, type FormClient, type TestApp } from '../support/test-app';

const clock = fixedClock('2026-03-02T10:00:00Z');
let app: TestApp;
let operator: FormClient;
const sql = <T>(q: string, ...p: unknown[]) => app.database.sqlite.prepare(q).all(...p) as T[];
const differences = () => Object.fromEntries(REPORT_TOTALS.map((t) => [t.table, reportTotalsDifferences(app.database.sqlite, t)]));
const noDifferences = Object.fromEntries(REPORT_TOTALS.map((t) => [t.table, []]));

/** The liability flows as the report used to compute them: straight from every movement. */
const flowsFromMovements = () =>
  sql<{ slug: string; issued: number; redeemed: number; expired: number; cancelled: number; adjusted: number }>(`
    SELECT c.slug,
      SUM(CASE WHEN m.kind = 'issue' AND v.reissued_from IS NULL THEN m.amount_cents ELSE 0 END) AS issued,
      -SUM(CASE WHEN m.kind IN ('redeem', 'void') THEN m.amount_cents ELSE 0 END) AS redeemed,
      -SUM(CASE WHEN m.kind = 'expire' THEN m.amount_cents ELSE 0 END) AS expired,
      -SUM(CASE WHEN m.kind = 'cancel' THEN m.amount_cents WHEN m.kind = 'issue' AND v.reissued_from IS NOT NULL THEN m.amount_cents ELSE 0 END) AS cancelled,
      SUM(CASE WHEN m.kind = 'adjust' THEN m.amount_cents ELSE 0 END) AS adjusted
    FROM movements m JOIN vouchers v ON v.id = m.voucher_id JOIN campaigns c ON c.id = v.campaign_id GROUP BY c.slug`);

beforeAll(async () => {
  app = await startTestApp({ clock });
  const deps = { database: app.database, clock, voidWindowMinutes: app.config.voidWindowMinutes };
  const a = await buyVouchers(app, { amountCents: 50_00, quantity: 3 });
  const b = await buyVouchers(app, { amountCents: 30_00, quantity: 2, campaign: 'noel-fecamp', relabelAs: 'company' });
  const galerne = merchantId(app.database, 'librairie-la-galerne');
  const voided = await take(app, galerne, a[0]!.code, 12_00);
  await take(app, galerne, a[0]!.code, 3_45);
  await take(app, merchantId(app.database, 'le-grenier-a-sel'), a[1]!.code, 50_00);
  await take(app, merchantId(app.database, 'bijouterie-falaise'), b[0]!.code, 7_00);
  voidRedemption(deps, { merchantId: galerne, actor: 'test', redemptionId: voided.redemption.id });
  const { reissued } = reissueVoucher(app, { voucherId: a[2]!.id, actor: 'test', reason: 'lost' });
  adjustVoucher(app, { voucherId: reissued.id, actor: 'test', deltaCents: -5_00, reason: 'goodwill' });
  // A week later, more sales and spending; then the void of a redemption of the week before.
  clock.advance(8 * 86_400_000);
  const c = await buyVouchers(app, { amountCents: 20_00, quantity: 2 });
  const late = await take(app, galerne, c[0]!.code, 4_00);
  voidRedemption(deps, { merchantId: galerne, actor: 'test', redemptionId: late.redemption.id });
}, 60_000);
afterAll(() => app?.close());

describe('report aggregates', () => {
  it('stay equal to the ledger through sales, redemptions, voids, a reissue, an adjustment and expiry', async () => {
    expect(differences()).toEqual(noDifferences);
    const byMerchant = sql<{ slug: string; n: number; s: number }>(
      `SELECT m.slug, COUNT(*) AS n, SUM(r.amount_cents) AS s FROM redemptions r JOIN merchants m ON m.id = r.merchant_id WHERE r.status = 'completed' GROUP BY m.slug`,
    );
    expect(Object.fromEntries(impactShops(app.database).map((s) => [s.slug, [s.redemptions, s.spentCents]]))).toEqual(Object.fromEntries(byMerchant.map((r) => [r.slug, [r.n, r.s]])));
    expect(impactShops(app.database).find((s) => s.slug === 'librairie-la-galerne')).toMatchObject({ redemptions: 1, spentCents: 3_45 });

    clock.advance(2 * 366 * 86_400_000); // past every validity
    await expireVouchers({ database: app.database, clock });
    expect(differences()).toEqual(noDifferences);
    const report = liabilityReport(app.database, clock.now());
    for (const f of flowsFromMovements()) {
      const l = report.find((r) => r.slug === f.slug)!;
      expect([l.issuedCents, l.redeemedCents, l.expiredCents, l.cancelledCents, l.adjustedCents], f.slug).toEqual([f.issued, f.redeemed, f.expired, f.cancelled, f.adjusted]);
    }
    expect(report.find((r) => r.slug === 'seine-estuaire')!.adjustedCents).toBe(-5_00);
    expect(report.find((r) => r.slug === 'seine-estuaire')!.expiredCents).toBeGreaterThan(0);
    expect(checkLedger(app.database)).toEqual([]);
  });

  it('serve every report page without a query that scans vouchers, redemptions, movements, journals, orders or payments', async () => {
    operator = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const sqlite = app.database.sqlite;
    const prepare = sqlite.prepare.bind(sqlite);
    const ran: { sql: string; args: unknown[] }[] = [];
    // Record each statement prepared while the pages are served, with the values it runs with.
    sqlite.prepare = ((text: string) => {
      const st = prepare(text);
      return new Proxy(st, {
        get(target, p) {
          const v = Reflect.get(target, p, target) as unknown;
          if (typeof v !== 'function') return v;
          if (p === 'all' || p === 'get' || p === 'iterate' || p === 'run') return (...args: unknown[]) => (ran.push({ sql: text, args }), (v as (...a: unknown[]) => unknown).apply(target, args));
          return (v as (...a: unknown[]) => unknown).bind(target);
        },
      });
    }) as Database.Database['prepare'];
    try {
      for (const path of ['/operateur/impact', '/operateur/impact?campagne=noel-fecamp', '/operateur/rapports', '/operateur/rapports/encours.csv', '/operateur/impact/commerces.csv', '/operateur/impact/acheteurs.csv', '/operateur/impact/semaines.csv', '/operateur/campagnes/seine-estuaire']) {
        const res = await operator.request(path);
        expect(res.status, path).toBe(200);
        await res.arrayBuffer();
      }
    } finally {
      sqlite.prepare = prepare;
    }
    const history = new Set(['vouchers', 'redemptions', 'movements', 'journals', 'journal_lines', 'orders', 'order_items', 'payments']);
    expect(ran.length).toBeGreaterThan(8);
    const scans: string[] = [];
    for (const r of ran) {
      const aliases = new Map<string, string>();
      for (const m of r.sql.matchAll(/\b(?:FROM|JOIN)\s+["`]?(\w+)["`]?(?:\s+(?:AS\s+)?(?!WHERE|JOIN|ON|GROUP|ORDER|LEFT|INNER|CROSS|LIMIT|USING)(\w+))?/gi)) {
        aliases.set(m[1]!, m[1]!);
        if (m[2]) aliases.set(m[2], m[1]!);
      }
      for (const step of prepare(`EXPLAIN QUERY PLAN ${r.sql}`).all(...r.args) as { detail: string }[]) {
        const scanned = /^SCAN (\w+)/.exec(step.detail)?.[1];
        if (scanned && history.has(aliases.get(scanned) ?? scanned)) scans.push(`${step.detail} ← ${r.sql.replace(/\s+/g, ' ').slice(0, 160)}`);
      }
    }
    expect(scans).toEqual([]);
    // …and the figures came from the aggregates (and the payments index).
    expect(ran.filter((r) => /campaign_week_totals|merchant_campaign_totals|campaign_buyer_totals|voucher_balance_totals|FROM payments/.test(r.sql)).length).toBeGreaterThanOrEqual(6);
  });

  it('list the 200 biggest shops on the dashboard page and every shop in its CSV', async () => {
    const s = app.database.sqlite;
    const now = clock.now().toISOString();
    const insert = s.prepare(`INSERT INTO merchants (id, slug, name, category, address, postal_code, city, status, created_at) VALUES (?, ?, ?, 'Commerce', '1 rue du Port', '76600', 'Le Havre', 'approved', ?)`);
    const accept = s.prepare(`INSERT INTO campaign_merchants (campaign_id, merchant_id) SELECT id, ? FROM campaigns WHERE slug = 'seine-estuaire'`);
    s.transaction(() => {
      for (let i = 0; i < 205; i++) {
        insert.run(`many-${i}`, `commerce-many-${i}`, `Commerce nombreux ${i}`, now);
        accept.run(`many-${i}`);
      }
    })();
    const [v] = await buyVouchers(app, { amountCents: 150_00 });
    for (let i = 0; i < 205; i++) await take(app, `many-${i}`, v!.code, 1 + (i % 50));
    operator = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const { html } = await operator.get('/operateur/impact');
    const section = html.slice(html.indexOf('Dépenses par commerce'));
    const listed = section.slice(0, section.indexOf('</table>')).match(/<tr><td>/g) ?? [];
    const shops = impactShops(app.database).length;
    expect(shops).toBeGreaterThan(205);
    expect(listed).toHaveLength(200);
    expect(section).toContain(`Les 200 premiers commerces\u202f; ${shops - 200} autres figurent dans le fichier complet`);
    const csv = await (await operator.request('/operateur/impact/commerces.csv')).text();
    expect(csv.trim().split('\r\n')).toHaveLength(shops + 1);
    expect(checkLedger(app.database)).toEqual([]);
  });

  it('are checked by check-ledger, and rebuilt from the ledger', () => {
    const s = app.database.sqlite;
    s.prepare(`UPDATE merchant_campaign_totals SET redeemed_cents = redeemed_cents + 1 WHERE rowid = (SELECT MIN(rowid) FROM merchant_campaign_totals)`).run();
    s.prepare(`UPDATE voucher_balance_totals SET vouchers = vouchers + 1 WHERE rowid = (SELECT MIN(rowid) FROM voucher_balance_totals)`).run();
    s.prepare(`DELETE FROM campaign_buyer_totals WHERE buyer_type = 'company'`).run();
    s.prepare(`UPDATE campaign_week_totals SET cancelled_cents = cancelled_cents - 7 WHERE rowid = (SELECT MIN(rowid) FROM campaign_week_totals)`).run();
    expect(new Set(checkLedger(app.database).map((b) => b.invariant))).toEqual(new Set(REPORT_TOTALS.map((t) => `report_totals:${t.table}`)));
    rebuildReportTotals(s);
    expect(checkLedger(app.database)).toEqual([]);
  });

  it('are backfilled from existing history by migration 0017', () => {
    const s = app.database.sqlite;
    const migration = readFileSync(new URL('../../db/migrations/0017_report_totals.sql', import.meta.url), 'utf8').split('--> statement-breakpoint');
    const fills = migration.filter((m) => /INSERT INTO/.test(m));
    expect(fills).toHaveLength(REPORT_TOTALS.length);
    s.transaction(() => {
      for (const t of REPORT_TOTALS) s.exec(`DELETE FROM ${t.table}`);
      for (const f of fills) s.exec(f);
    }).immediate();
    expect(differences()).toEqual(noDifferences);
    expect(sql<{ n: number }>(`SELECT COUNT(*) AS n FROM merchant_campaign_totals`)[0]!.n).toBeGreaterThan(0);
  });
});
