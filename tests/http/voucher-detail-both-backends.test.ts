/**
 * The back-office voucher page on SQLite and on PostgreSQL (issue 14), from the same data: a
 * history made through the app on SQLite (a sale, a redemption and a voided one, a correction,
 * a block, a reissue), then that database served as is and copied to PostgreSQL by
 * copy-database. Each backend shows every movement, the support history with the names of
 * who acted and the reissue links, and re-renders a refused form; PostgreSQL's page is the
 * SQLite page byte for byte. PostgreSQL runs only where it is installed, with a printed
 * notice; REQUIRE_POSTGRES=1 (set by .ci/run) makes that a failure.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCode } from '../../server/lib/codes';
import { paidVoucher, shopKey, type BuiltVoucher } from '../support/builders';
import { operatorClient, DEMO_ADMIN_EMAIL, DEMO_VIEWER_EMAIL } from '../support/operator';
import { postgresAvailable } from '../support/postgres';
import { fixedClock, startTestApp, type FormClient, type TestApp } from '../support/test-app';

const backends = postgresAvailable() ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
type Backend = (typeof backends)[number];
const dir = mkdtempSync(join(tmpdir(), 'voucher-detail-'));
const source = join(dir, 'source.db');
let lost: BuiltVoucher;
let spent: BuiltVoucher;
let replacement: string;

/** The history, made through the app's own routes on a seeded SQLite app, then its file kept. */
beforeAll(async () => {
  const clock = fixedClock('2026-11-16T09:00:00Z');
  const app = await startTestApp({ backend: 'sqlite', clock });
  try {
    const till = shopKey(app, 'librairie-la-galerne');
    const admin = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const act = async (code: string, action: string, fields: Record<string, string>) => {
      const page = await admin.get(`/operateur/bons/${code}`);
      const r = await admin.post(`/operateur/bons/${code}/${action}`, fields, page.html);
      expect(r.res.status, r.html).toBe(303);
      clock.advance(60_000);
      return r;
    };
    const redeem = async (code: string, amountCents: number) => {
      const res = await fetch(`${app.url}/api/v1/redemptions`, { method: 'POST', headers: { ...till.headers, 'content-type': 'application/json' }, body: JSON.stringify({ code, amountCents, idempotencyKey: randomUUID() }) });
      expect(res.status).toBe(201);
      clock.advance(60_000);
      return ((await res.json()) as { redemption: { id: string } }).redemption.id;
    };
    lost = await paidVoucher({ ...app, baseUrl: app.url }, 50_00);
    await redeem(lost.code, 20_00);
    const mistaken = await redeem(lost.code, 5_00);
    expect((await fetch(`${app.url}/api/v1/redemptions/${mistaken}/void`, { method: 'POST', headers: till.headers })).status).toBe(200);
    await act(lost.code, 'ajuster', { sign: 'minus', amount: '2,50', reason: 'double saisie' });
    await act(lost.code, 'bloquer', { reason: 'other', note: 'perdu <b>au marché</b> & co' });
    const reissued = await act(lost.code, 'reemettre', { reason: 'perdu par la bénéficiaire' });
    replacement = /^\/operateur\/bons\/([A-Z2-9]{20})\?/.exec(reissued.res.headers.get('location')!)![1]!;
    spent = await paidVoucher({ ...app, baseUrl: app.url }, 10_00);
    await redeem(spent.code, 10_00);
    // A consistent copy with what is still in the WAL (the app's checkpointer may be reading: a checkpoint alone can stop short).
    await app.database.sqlite.backup(source);
  } finally {
    await app.close();
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A form's CSRF token belongs to its session: the only part of a page that differs between two sign-ins.
const withoutTokens = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""');

interface Served { app: TestApp; admin: FormClient; viewer: FormClient }
const served = new Map<Backend, Served>();
/** The history's database on `backend`: its own copy of the file, on PostgreSQL moved there by copy-database. */
async function serve(backend: Backend): Promise<Served> {
  const file = join(dir, `${backend}.db`);
  copyFileSync(source, file);
  const app = await startTestApp({ backend, databaseFile: file, clock: fixedClock('2026-11-20T09:00:00Z') });
  const s = { app, admin: await operatorClient(app.url, DEMO_ADMIN_EMAIL), viewer: await operatorClient(app.url, DEMO_VIEWER_EMAIL) };
  served.set(backend, s);
  return s;
}
afterAll(async () => {
  for (const s of served.values()) await s.app.close();
});

/** Every page the history shows (by code, by id as the audit log links it, after an action) and the refused forms. */
async function pages(s: Served): Promise<Map<string, { status: number; html: string }>> {
  const out = new Map<string, { status: number; html: string }>();
  for (const [who, client] of [['admin', s.admin], ['viewer', s.viewer]] as const) {
    for (const path of [`/operateur/bons/${lost.code}`, `/operateur/bons/${lost.id}`, `/operateur/bons/${replacement}?done=reissued`, `/operateur/bons/${formatCode(spent.code).toLowerCase()}`]) {
      const r = await client.get(path);
      out.set(`${who} ${path}`, { status: r.res.status, html: withoutTokens(r.html) });
    }
  }
  const page = await s.admin.get(`/operateur/bons/${spent.code}`);
  for (const [action, fields] of [['bloquer', { reason: 'lost' }], ['reemettre', {}], ['ajuster', { sign: 'plus', amount: 'abc', reason: ' ' }]] as const) {
    const r = await s.admin.post(`/operateur/bons/${spent.code}/${action}`, fields, page.html);
    out.set(`admin POST ${action}`, { status: r.res.status, html: withoutTokens(r.html) });
  }
  return out;
}

const rendered = new Map<Backend, Map<string, { status: number; html: string }>>();

describe.each(backends)('the voucher page on %s', (backend) => {
  beforeAll(async () => {
    rendered.set(backend, await pages(await serve(backend)));
  }, 120_000);
  const page = (key: string) => rendered.get(backend)!.get(key)!;

  it('shows every movement with its shop and author, the support history and the reissue links', () => {
    const { status, html } = page(`admin /operateur/bons/${lost.code}`);
    expect(status).toBe(200);
    // By id (the audit log's links): the same page, but for the language switch's way back.
    expect(page(`admin /operateur/bons/${lost.id}`).html.replaceAll(lost.id, lost.code)).toBe(html);
    const kinds = [...html.matchAll(/<td>(\d+)<\/td><td>[^<]+<\/td><td>([^<]+)/g)].map((m) => `${m[1]} ${m[2]!.trim()}`);
    expect(kinds).toEqual(['1 Émission', '2 Encaissement', '3 Encaissement', '4 Annulation d’encaissement', '5 Correction', '6 Annulation']);
    expect(html).toContain('<span class="badge badge-muted">annulé</span>'); // the voided redemption
    expect(html).toContain('Librairie La Galerne');
    expect(html).toMatch(/Clé d’API «\s?test till\s?»/); // thin no-break spaces inside the quotes
    expect(html).toContain('<strong>Bon bloqué</strong> · Opérateur Nadia Martin — other: perdu &lt;b&gt;au marché&lt;/b&gt; &amp; co');
    expect(html).toContain('<strong>Bon réémis</strong> · Opérateur Nadia Martin — perdu par la bénéficiaire');
    expect(html).toContain(`href="/operateur/bons/${replacement}">${formatCode(replacement)}</a>`);
    const fresh = page(`admin /operateur/bons/${replacement}?done=reissued`).html;
    expect(fresh).toContain(`Nouveau bon émis\u00A0: ${formatCode(replacement)} (remplace ${lost.formatted})`);
    expect(fresh).toContain(`href="/operateur/bons/${lost.code}">${lost.formatted}</a>`);
  });

  it('shows the forms to an admin only, and re-renders a refused form with its message and status', () => {
    expect(page(`admin /operateur/bons/${replacement}?done=reissued`).html).toMatch(/action="\/operateur\/bons\/[A-Z2-9]+\/bloquer"/);
    expect(page(`viewer /operateur/bons/${replacement}?done=reissued`).html).not.toMatch(/action="\/operateur\/bons\/[^"]+\/(bloquer|debloquer|reemettre|ajuster)"/);
    expect(page('admin POST bloquer').status).toBe(409);
    expect(page('admin POST reemettre')).toMatchObject({ status: 409, html: expect.stringContaining('entièrement utilisé') });
    expect(page('admin POST ajuster')).toMatchObject({ status: 422, html: expect.stringContaining('Indiquez le motif de la correction.') });
    for (const key of ['admin POST bloquer', 'admin POST reemettre', 'admin POST ajuster']) expect(page(key).html).toContain(spent.formatted);
  });

  if (backend === 'postgres') {
    it('is the SQLite page byte for byte, for every page and refusal', () => {
      const sqlite = rendered.get('sqlite')!;
      const postgres = rendered.get('postgres')!;
      expect([...postgres.keys()]).toEqual([...sqlite.keys()]);
      for (const [key, r] of postgres) expect(r, key).toEqual(sqlite.get(key));
    });
  }
});
