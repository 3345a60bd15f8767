/**
 * Voucher support in the back-office: search, detail, block / unblock (refused at the till
 * while blocked), reissue of a lost voucher, balance adjustments — each checked against the
 * till API and the ledger — and the role / sign-in boundaries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { createOperatorUser } from '../../server/domain/operators/operator-users-service';
import { formatCode } from '../../server/lib/codes';
import { systemClock } from '../../server/lib/clock';
import { reconciliationProgram } from '../../server/reports/reconciliation';
import { readOn } from '../../server/web/backend-units';
import { rowOf } from '../support/backend-query';
import { shopKey, type BuiltKey } from '../support/builders';
import { paidOrderWithToken } from '../support/gift-orders';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';
import { operatorClient } from '../support/operator';

let app: TestApp;
let admin: FormClient;
let viewer: FormClient;
let till: BuiltKey;

beforeAll(async () => {
  // The till's key is made before the start: on PostgreSQL the data built on SQLite is copied over.
  app = await startTestApp({ prepare: (database) => void (till = shopKey({ database, clock: systemClock }, 'librairie-la-galerne')) });
  admin = await signedIn('operateur@demo.bons-locaux.fr');
  viewer = await signedIn('lecture@demo.bons-locaux.fr');
});
afterAll(() => app?.close());

const signedIn = (email: string, password?: string) => operatorClient(app.url, email, password);

interface Bought { id: string; code: string; formatted: string; orderId: string }
/** A paid card voucher, bought on the app's backend (camille@example.org's order). */
async function buy(amountCents: number): Promise<Bought> {
  const { order, voucherIds } = await paidOrderWithToken(app, { amountCents });
  const { code } = (await rowOf<{ code: string }>(app, 'SELECT code FROM vouchers WHERE id = @id', { id: voucherIds[0]! }))!;
  return { id: voucherIds[0]!, code, formatted: formatCode(code), orderId: order.id };
}

async function redeem(code: string, amountCents: number) {
  const res = await fetch(`${app.url}/api/v1/redemptions`, {
    method: 'POST',
    headers: { ...till.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ code, amountCents, idempotencyKey: `support-${randomUUID()}` }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string }; voucher?: { balanceCents: number; status: string } } };
}

/** Posts a support form from the voucher's page (with the page's CSRF token). */
async function act(c: FormClient, code: string, action: string, fields: Record<string, string> = {}) {
  const page = await c.get(`/operateur/bons/${code}`);
  return c.post(`/operateur/bons/${code}/${action}`, fields, page.html);
}

async function expectLedgerClean() {
  const breaches = await readOn(app, (dialect) => ledgerChecks(FULL, dialect));
  expect(breaches, JSON.stringify(breaches, null, 1)).toEqual([]);
}

type VoucherRow = { id: string; amountCents: number; balanceCents: number; status: string; expiresAt: string; reissuedFrom: string | null; blockReason: string | null; campaignId: string; orderId: string };
const row = (code: string) =>
  rowOf<VoucherRow>(app, `SELECT id, amount_cents AS "amountCents", balance_cents AS "balanceCents", status, expires_at AS "expiresAt", reissued_from AS "reissuedFrom", block_reason AS "blockReason", campaign_id AS "campaignId", order_id AS "orderId" FROM vouchers WHERE code = @code`, { code });
const state = async (code: string) => {
  const { balanceCents, status } = (await row(code))!;
  return { balanceCents, status };
};
const auditCount = async (voucherId: string) => (await rowOf<{ n: number }>(app, `SELECT COUNT(*) AS n FROM audit_log WHERE entity_type = 'voucher' AND entity_id = @voucherId`, { voucherId }))!.n;
const soldCents = async () => (await rowOf<{ s: number }>(app, `SELECT sold_cents AS s FROM campaigns WHERE slug = 'seine-estuaire'`))!.s;
const difference = async () => (await readOn(app, () => reconciliationProgram(app.clock.now()))).find((r) => r.slug === 'seine-estuaire')!.differenceCents;

describe('finding a voucher', () => {
  it('sends anonymous visitors to the sign-in page', async () => {
    const anon = new FormClient(app.url);
    for (const path of ['/operateur/bons', '/operateur/bons/ABCD', '/operateur/journal-audit']) {
      const r = await anon.get(path);
      expect(r.res.status).toBe(303);
      expect(r.res.headers.get('location')).toMatch(/^\/operateur\/connexion\?next=/);
    }
    const page = await admin.get('/operateur/bons');
    expect((await anon.post('/operateur/bons/ABCD/bloquer', { reason: 'lost' }, page.html)).res.status).toBe(403); // no session: CSRF refuses first
  });

  it('finds a voucher by its code in any spelling, by prefix and by buyer email', async () => {
    const v = await buy(25_00);
    const typed = await admin.get(`/operateur/bons?q=${encodeURIComponent(v.formatted.toLowerCase())}`);
    expect(typed.res.status).toBe(303);
    expect(typed.res.headers.get('location')).toBe(`/operateur/bons/${v.code}`);
    const prefix = await admin.get(`/operateur/bons?q=${v.formatted.slice(0, 9).toLowerCase()}`);
    expect(prefix.res.status).toBe(200);
    expect(prefix.html).toContain(v.formatted);
    expect((await admin.get('/operateur/bons?q=CAMILLE%40example.org')).html).toContain(v.formatted);
    expect((await admin.get('/operateur/bons?q=%25%40')).html).toContain('Aucun bon ne correspond.');
    const detail = await admin.get(`/operateur/bons/${v.formatted.toLowerCase()}`);
    expect(detail.res.status).toBe(200);
    expect(detail.html).toContain(v.formatted);
    expect(detail.html).toContain(`/operateur/commandes/${v.orderId}`);
    expect(detail.html).toContain('Émission');
    expect((await admin.get('/operateur/bons/NOPE')).res.status).toBe(404);
  });
});

describe('blocking', () => {
  it('blocks (refused at the till), then unblocks (accepted again); each step audited', async () => {
    const v = await buy(30_00);
    const r = await act(admin, v.code, 'bloquer', { reason: 'stolen', note: 'sac volé au marché' });
    expect(r.res.status).toBe(303);
    expect(await row(v.code)).toMatchObject({ status: 'blocked', blockReason: 'stolen: sac volé au marché' });
    const refused = await redeem(v.code, 10_00);
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe('VOUCHER_BLOCKED');
    await expectLedgerClean();
    // Blocking twice is refused with the reason on the page.
    const again = await act(admin, v.code, 'bloquer', { reason: 'lost' });
    expect(again.res.status).toBe(409);
    expect(again.html).toContain('bloqué');
    expect((await act(admin, v.code, 'debloquer')).res.status).toBe(303);
    expect(await row(v.code)).toMatchObject({ status: 'active', blockReason: null });
    expect((await redeem(v.code, 10_00)).status).toBe(201);
    expect(await auditCount(v.id)).toBe(2);
    await expectLedgerClean();
  });

  it('refuses "other" without details, and writes nothing', async () => {
    const v = await buy(30_00);
    const r = await act(admin, v.code, 'bloquer', { reason: 'other', note: '  ' });
    expect(r.res.status).toBe(422);
    expect(r.html).toContain('Précisez le motif.');
    expect((await row(v.code))!.status).toBe('active');
    expect(await auditCount(v.id)).toBe(0);
    expect((await act(admin, v.code, 'debloquer')).res.status).toBe(409);
  });
});

describe('reissuing a lost voucher', () => {
  it('cancels the old code and moves its balance to a new one with the same expiry; books and caches stay right', async () => {
    const v = await buy(50_00);
    expect((await redeem(v.code, 20_00)).status).toBe(201);
    await act(admin, v.code, 'bloquer', { reason: 'lost' });
    const sold = await soldCents();
    const diff = await difference();
    const r = await act(admin, v.code, 'reemettre', { reason: 'perdu par la bénéficiaire' });
    expect(r.res.status).toBe(303);
    const location = r.res.headers.get('location')!;
    const newCode = /^\/operateur\/bons\/([A-Z2-9]{20})\?done=reissued$/.exec(location)![1]!;
    expect(newCode).not.toBe(v.code);
    const page = await admin.get(location);
    expect(page.html).toContain(`Nouveau bon émis\u00A0: ${formatCode(newCode)}`);
    expect(page.html).toContain(v.formatted); // "replaces"

    const old = (await row(v.code))!;
    const fresh = (await row(newCode))!;
    expect(old).toMatchObject({ status: 'cancelled', balanceCents: 0 });
    // The replacement keeps the value (a late void on the old code may credit it) and carries the balance.
    expect(fresh).toMatchObject({ status: 'active', amountCents: 50_00, balanceCents: 30_00, expiresAt: old.expiresAt, reissuedFrom: old.id, campaignId: old.campaignId, orderId: old.orderId });
    const refused = await redeem(v.code, 1_00);
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe('VOUCHER_CANCELLED');
    // A reissue is not a sale, and money in still equals money out in the reports.
    expect(await soldCents()).toBe(sold);
    expect(await difference()).toBe(diff);
    await expectLedgerClean();

    const spend = await redeem(formatCode(newCode), 30_00);
    expect(spend.status).toBe(201);
    expect(spend.body.voucher).toMatchObject({ balanceCents: 0, status: 'spent' });
    expect((await act(admin, v.code, 'reemettre')).res.status).toBe(409); // already cancelled
    await expectLedgerClean();
  });

  it('refuses a spent voucher', async () => {
    const v = await buy(10_00);
    expect((await redeem(v.code, 10_00)).status).toBe(201);
    const r = await act(admin, v.code, 'reemettre');
    expect(r.res.status).toBe(409);
    expect(r.html).toContain('entièrement utilisé');
  });
});

describe('adjusting a balance', () => {
  it('moves the balance up and down with a reason, within 0 … value, booked against support_adjustments', async () => {
    const v = await buy(50_00);
    expect((await redeem(v.code, 20_00)).status).toBe(201);
    expect((await act(admin, v.code, 'ajuster', { sign: 'minus', amount: '12,50', reason: 'double saisie en caisse' })).res.status).toBe(303);
    expect(await state(v.code)).toEqual({ balanceCents: 17_50, status: 'active' });
    await expectLedgerClean();
    expect((await act(admin, v.code, 'ajuster', { sign: 'plus', amount: '5', reason: 'geste commercial' })).res.status).toBe(303);
    expect((await state(v.code)).balanceCents).toBe(22_50);
    await expectLedgerClean();
    const adjustments = (await rowOf<{ s: number }>(app, `SELECT COALESCE(SUM(amount_cents), 0) AS s FROM journal_lines WHERE account = 'support_adjustments' AND journal_id IN (SELECT journal_id FROM movements WHERE voucher_id = @id)`, { id: v.id }))!;
    expect(adjustments.s).toBe(-7_50);

    const noReason = await act(admin, v.code, 'ajuster', { sign: 'plus', amount: '1', reason: ' ' });
    expect(noReason.res.status).toBe(422);
    expect(noReason.html).toContain('Indiquez le motif de la correction.');
    const tooMuch = await act(admin, v.code, 'ajuster', { sign: 'plus', amount: '27,51', reason: 'trop' });
    expect(tooMuch.res.status).toBe(422);
    expect(tooMuch.html).toContain('27,50');
    expect((await act(admin, v.code, 'ajuster', { sign: 'minus', amount: '22,51', reason: 'trop' })).res.status).toBe(422);
    expect((await act(admin, v.code, 'ajuster', { sign: 'minus', amount: 'abc', reason: 'x' })).res.status).toBe(422);
    expect((await state(v.code)).balanceCents).toBe(22_50);
    // Down to exactly zero: spent; back up: active again.
    expect((await act(admin, v.code, 'ajuster', { sign: 'minus', amount: '22,50', reason: 'remboursé' })).res.status).toBe(303);
    expect(await state(v.code)).toEqual({ balanceCents: 0, status: 'spent' });
    expect((await act(admin, v.code, 'ajuster', { sign: 'plus', amount: '1', reason: 'erreur' })).res.status).toBe(303);
    expect(await state(v.code)).toEqual({ balanceCents: 1_00, status: 'active' });
    await expectLedgerClean();
  });
});

describe('viewer', () => {
  it('sees the voucher without any form, and every POST is refused with 403', async () => {
    const v = await buy(20_00);
    const page = await viewer.get(`/operateur/bons/${v.code}`);
    expect(page.res.status).toBe(200);
    expect(page.html).not.toMatch(/action="\/operateur\/bons\/[^"]+\/(bloquer|debloquer|reemettre|ajuster)"/);
    expect((await admin.get(`/operateur/bons/${v.code}`)).html).toMatch(/action="\/operateur\/bons\/[^"]+\/bloquer"/);
    for (const [action, fields] of [['bloquer', { reason: 'lost' }], ['debloquer', {}], ['reemettre', {}], ['ajuster', { sign: 'plus', amount: '1', reason: 'x' }]] as const) {
      expect((await viewer.post(`/operateur/bons/${v.code}/${action}`, fields, page.html)).res.status).toBe(403);
    }
    expect(await state(v.code)).toEqual({ balanceCents: 20_00, status: 'active' });
    expect(await auditCount(v.id)).toBe(0);
  });
});

describe('operator role', () => {
  it('may run voucher support (not only admins)', async () => {
    await createOperatorUser(app, { email: 'support@cci.example', password: 'support-password-1', role: 'operator' });
    const agent = await signedIn('support@cci.example', 'support-password-1');
    const v = await buy(20_00);
    expect((await act(agent, v.code, 'bloquer', { reason: 'lost' })).res.status).toBe(303);
    expect((await act(agent, v.code, 'debloquer')).res.status).toBe(303);
    expect((await state(v.code)).status).toBe('active');
  });
});
