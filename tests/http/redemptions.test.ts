/**
 * The shops' POS API over HTTP with merchant API keys: voucher lookup, redemption, void,
 * idempotency, validation, authentication, shop boundaries and guessing protection.
 * Every money test ends with the ledger check.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { FAILURES_BEFORE_LOCK, isLocked, revokeKeySteps } from '../../server/domain/merchants/api-keys-service';
import { sqliteApiKeyAdminStore } from '../../server/domain/merchants/api-key-admin-store';
import { pgApiKeyAdminStore } from '../../server/domain/merchants/api-key-admin-store-pg';
import { storeUnits } from '../../server/web/backend-units';
import { CODE_ALPHABET, generateCode } from '../../server/lib/codes';
import { addDays, endOfParisDay, parisDate } from '../../server/lib/paris-time';
import { rowOf, rowsOf } from '../support/backend-query';
import { adminKeyOn, paidVoucherOn, setVoucherStatusOn, shopKeyOn, type BuiltKey, type BuiltVoucher } from '../support/builders';
import { voucherStateOn } from '../support/builders-on';
import { ledgerBreaches } from '../support/ledger-check';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

const run = promisify(execFile);

// "Now" for the whole file: the real time (so the CLI, which reads the system clock, agrees
// with the app about key locks), frozen; tests that travel in time put it back after.
const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);
const clock = fixedClock(T0);
let app: TestApp;
let galerne: BuiltKey; // librairie-la-galerne: seine-estuaire only
let fromagerie: BuiltKey; // fromagerie-du-marche: seine-estuaire only
let bijouterie: BuiltKey; // bijouterie-falaise: both campaigns

beforeAll(async () => {
  app = await startTestApp({ clock });
  galerne = await shopKeyOn(app, 'librairie-la-galerne');
  fromagerie = await shopKeyOn(app, 'fromagerie-du-marche');
  bijouterie = await shopKeyOn(app, 'bijouterie-falaise');
});
afterAll(() => app?.close());
afterEach(() => clock.set(T0));

interface Answer {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  contentType: string | null;
}

async function call(method: 'GET' | 'POST', path: string, key: BuiltKey | string | null, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${typeof key === 'string' ? key : key.key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${app.url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: the assertions will say so */
  }
  return { status: res.status, text, body: parsed, contentType: res.headers.get('content-type') };
}

const lookup = (key: BuiltKey | string | null, code: string) => call('GET', `/api/v1/vouchers/${encodeURIComponent(code)}`, key);
const redeem = (key: BuiltKey | string | null, body: unknown) => call('POST', '/api/v1/redemptions', key, body);
const voidIt = (key: BuiltKey | string | null, id: string) => call('POST', `/api/v1/redemptions/${encodeURIComponent(id)}/void`, key);
const idem = () => `test-${randomUUID()}`;
const buy = (amountCents: number, campaign?: string) => paidVoucherOn({ ...app, baseUrl: app.url }, amountCents, campaign);

/** Fails the test with the breaches listed, not just "expected [] to equal …". */
const expectLedgerClean = async () => expect(await ledgerBreaches(app)).toEqual([]);

/** Everything a redemption or void could move, on the app's backend. */
const snapshot = async () => ({
  ...(await rowOf(
    app,
    `SELECT (SELECT COUNT(*) FROM redemptions) AS redemptions,
            (SELECT COUNT(*) FROM redemptions WHERE status = 'voided') AS voided,
            (SELECT COUNT(*) FROM movements) AS movements,
            (SELECT COUNT(*) FROM journals) AS journals,
            (SELECT SUM(balance_cents) FROM vouchers) AS balances,
            (SELECT SUM(redeemed_cents) FROM campaigns) AS redeemed`,
  )),
  // Every voucher's status in id order (joined here: group_concat / string_agg differ).
  statuses: (await rowsOf<{ status: string }>(app, 'SELECT status FROM vouchers ORDER BY id')).map((r) => r.status).join(','),
});

const redeemedCents = async (slug: string): Promise<number> => {
  const r = await call('GET', `/api/v1/campaigns/${slug}`, null);
  expect(r.status).toBe(200);
  return r.body.campaign.redeemedCents;
};

/** The same code with one symbol replaced by another of the alphabet. */
function oneSymbolWrong(code: string, at = 5): string {
  const c = code[at]!;
  const other = CODE_ALPHABET[(CODE_ALPHABET.indexOf(c) + 7) % CODE_ALPHABET.length]!;
  return code.slice(0, at) + other + code.slice(at + 1);
}

describe('GET /api/v1/vouchers/{code}', () => {
  let v: BuiltVoucher;
  beforeAll(async () => {
    v = await buy(50_00);
  });

  it('finds a voucher typed in any case, with or without dashes, or scanned as a QR URL', async () => {
    const qrUrl = `${app.url}/v/${v.code}`;
    const inputs = [v.formatted, v.code, v.code.toLowerCase(), v.formatted.toLowerCase(), ` ${v.formatted.slice(0, 12)} ${v.formatted.slice(12)} `, qrUrl, `${app.url}/v/${v.formatted}`];
    for (const input of inputs) {
      const r = await lookup(galerne, input);
      expect(r.status, `lookup of ${JSON.stringify(input)}`).toBe(200);
      expect(r.body).toEqual({
        voucher: {
          code: v.formatted,
          amountCents: 50_00,
          balanceCents: 50_00,
          status: 'active',
          expiresAt: v.expiresAt,
          campaign: 'seine-estuaire',
          campaignName: 'Chèques cadeaux Seine Estuaire',
          acceptedHere: true,
        },
      });
    }
    // The QR URL travels url-encoded in the path (slashes included).
    expect(encodeURIComponent(qrUrl)).toContain('%2Fv%2F');
  });

  it('tells a shop outside the campaign that the voucher is not accepted there', async () => {
    const noel = await buy(30_00, 'noel-fecamp');
    const outside = await lookup(galerne, noel.formatted);
    expect(outside.status).toBe(200);
    expect(outside.body.voucher).toMatchObject({ campaign: 'noel-fecamp', acceptedHere: false, balanceCents: 30_00 });
    const inside = await lookup(bijouterie, noel.formatted);
    expect(inside.body.voucher.acceptedHere).toBe(true);
  });

  it('answers 404 VOUCHER_NOT_FOUND for an unknown code and 422 INVALID_CODE for one wrong symbol', async () => {
    const unknown = await lookup(galerne, generateCode());
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('VOUCHER_NOT_FOUND');
    const typo = await lookup(galerne, oneSymbolWrong(v.code));
    expect(typo.status).toBe(422);
    expect(typo.body.error.code).toBe('INVALID_CODE');
    // Each symbol position is covered by the check character.
    for (const at of [0, 9, 18, 19]) expect((await lookup(galerne, oneSymbolWrong(v.code, at))).body.error.code).toBe('INVALID_CODE');
  });
});

describe('POST /api/v1/redemptions', () => {
  it('redeems the whole balance: 201, balance 0, voucher spent; the campaign progress moves', async () => {
    const v = await buy(20_00);
    const before = await redeemedCents('seine-estuaire');
    const r = await redeem(galerne, { code: v.formatted, amountCents: 20_00, idempotencyKey: idem() });
    expect(r.status).toBe(201);
    expect(r.contentType).toMatch(/^application\/json/);
    expect(r.body).toEqual({
      redemption: { id: expect.any(String), number: expect.any(Number), amountCents: 20_00, status: 'completed', createdAt: T0.toISOString() },
      voucher: { code: v.formatted, balanceCents: 0, status: 'spent' },
    });
    expect(await voucherStateOn(app, v.code)).toEqual({ balanceCents: 0, status: 'spent' });
    expect((await lookup(galerne, v.code)).body.voucher).toMatchObject({ balanceCents: 0, status: 'spent' });
    expect(await redeemedCents('seine-estuaire')).toBe(before + 20_00);
    // Nothing left: even one cent is refused.
    const more = await redeem(galerne, { code: v.code, amountCents: 1, idempotencyKey: idem() });
    expect(more.status).toBe(409);
    expect(more.body.error.code).toBe('INSUFFICIENT_BALANCE');
    await expectLedgerClean();
  });

  it('answers alike on the fast lane (exact URL) and through the router (query string, trailing slash)', async () => {
    const v = await buy(30_00);
    const post = (path: string) =>
      fetch(`${app.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${galerne.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ code: v.code, amountCents: 10_00, idempotencyKey: idem() }) });
    const balances: number[] = [];
    for (const path of ['/api/v1/redemptions', '/api/v1/redemptions?from=pos', '/api/v1/redemptions/']) {
      const res = await post(path);
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const text = await res.text();
      expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
      balances.push(JSON.parse(text).voucher.balanceCents);
    }
    expect(balances).toEqual([20_00, 10_00, 0]);
    // A refusal on the fast lane goes through the same error handler: JSON, stable code.
    const refused = await post('/api/v1/redemptions');
    expect(refused.status).toBe(409);
    expect((await refused.json()).error.code).toBe('INSUFFICIENT_BALANCE');
    await expectLedgerClean();
  });

  it('redeems part of the balance, several times, until exactly zero', async () => {
    const v = await buy(50_00);
    const a = await redeem(galerne, { code: v.code, amountCents: 12_34, idempotencyKey: idem() });
    expect(a.status).toBe(201);
    expect(a.body.voucher).toEqual({ code: v.formatted, balanceCents: 37_66, status: 'active' });
    const b = await redeem(fromagerie, { code: v.code, amountCents: 37_65, idempotencyKey: idem() });
    expect(b.body.voucher).toEqual({ code: v.formatted, balanceCents: 1, status: 'active' });
    expect(b.body.redemption.number).toBeGreaterThan(a.body.redemption.number);
    const c = await redeem(galerne, { code: v.code, amountCents: 1, idempotencyKey: idem() });
    expect(c.body.voucher).toEqual({ code: v.formatted, balanceCents: 0, status: 'spent' });
    expect(await voucherStateOn(app, v.code)).toEqual({ balanceCents: 0, status: 'spent' });
    await expectLedgerClean();
  });

  it('refuses more than the balance with 409 INSUFFICIENT_BALANCE and changes nothing', async () => {
    const v = await buy(10_00);
    const before = await snapshot();
    const r = await redeem(galerne, { code: v.code, amountCents: 10_01, idempotencyKey: idem() });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'INSUFFICIENT_BALANCE' });
    expect(typeof r.body.error.message).toBe('string');
    expect(await snapshot()).toEqual(before);
    await expectLedgerClean();
  });

  it('accepts a voucher until the end of its expiry day (Paris) and refuses it 1 ms later with 409 VOUCHER_EXPIRED', async () => {
    const v = await buy(30_00);
    const expires = new Date(v.expiresAt);
    // The last millisecond of a Paris calendar day.
    expect(parisDate(expires)).not.toBe(parisDate(new Date(expires.getTime() + 1)));
    expect(parisDate(expires)).toBe(addDays(parisDate(T0), 365));

    clock.set(expires);
    const last = await redeem(galerne, { code: v.code, amountCents: 5_00, idempotencyKey: idem() });
    expect(last.status).toBe(201);

    clock.set(new Date(expires.getTime() + 1));
    const before = await snapshot();
    const late = await redeem(galerne, { code: v.code, amountCents: 5_00, idempotencyKey: idem() });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('VOUCHER_EXPIRED');
    expect((await lookup(galerne, v.code)).body.voucher).toMatchObject({ status: 'expired', balanceCents: 25_00 });
    expect(await snapshot()).toEqual(before);
    await expectLedgerClean();
  });

  it.each([
    ['blocked', 'VOUCHER_BLOCKED'],
    ['cancelled', 'VOUCHER_CANCELLED'],
  ] as const)('refuses a %s voucher with 409 %s and changes nothing', async (status, code) => {
    const v = await buy(20_00);
    await setVoucherStatusOn(app, v.code, status);
    const before = await snapshot();
    const r = await redeem(galerne, { code: v.code, amountCents: 1_00, idempotencyKey: idem() });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe(code);
    // A cancellation gives what was left back (builders book it as a refund).
    expect((await lookup(galerne, v.code)).body.voucher).toMatchObject({ status, balanceCents: status === 'cancelled' ? 0 : 20_00 });
    expect(await snapshot()).toEqual(before);
    await expectLedgerClean();
  });

  it('refuses a voucher of a campaign the shop is not part of with 403 NOT_ACCEPTED_HERE; a partner shop redeems it', async () => {
    const v = await buy(30_00, 'noel-fecamp');
    const before = await snapshot();
    const r = await redeem(galerne, { code: v.code, amountCents: 10_00, idempotencyKey: idem() });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('NOT_ACCEPTED_HERE');
    expect(await snapshot()).toEqual(before);
    const ok = await redeem(bijouterie, { code: v.code, amountCents: 10_00, idempotencyKey: idem() });
    expect(ok.status).toBe(201);
    expect(ok.body.voucher.balanceCents).toBe(20_00);
    await expectLedgerClean();
  });

  it('answers 404 VOUCHER_NOT_FOUND for an unknown code and 422 INVALID_CODE for one wrong symbol, changing nothing', async () => {
    const v = await buy(20_00);
    const before = await snapshot();
    const unknown = await redeem(galerne, { code: generateCode(), amountCents: 1_00, idempotencyKey: idem() });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('VOUCHER_NOT_FOUND');
    const typo = await redeem(galerne, { code: oneSymbolWrong(v.formatted.replace(/-/g, '')), amountCents: 1_00, idempotencyKey: idem() });
    expect(typo.status).toBe(422);
    expect(typo.body.error.code).toBe('INVALID_CODE');
    expect(await snapshot()).toEqual(before);
  });

  it('redeems a code scanned as a QR URL', async () => {
    const v = await buy(20_00);
    const r = await redeem(galerne, { code: `${app.url}/v/${v.code}`, amountCents: 5_00, idempotencyKey: idem() });
    expect(r.status).toBe(201);
    expect(r.body.voucher).toEqual({ code: v.formatted, balanceCents: 15_00, status: 'active' });
    await expectLedgerClean();
  });
});

describe('POST /api/v1/redemptions/{id}/void', () => {
  it('gives the balance back inside the window (spent → active), moves the campaign progress back, and is harmless twice', async () => {
    const v = await buy(25_00);
    const progress = await redeemedCents('seine-estuaire');
    const r = await redeem(galerne, { code: v.code, amountCents: 25_00, idempotencyKey: idem() });
    expect(r.body.voucher.status).toBe('spent');
    expect(await redeemedCents('seine-estuaire')).toBe(progress + 25_00);

    clock.advance(30 * 60_000); // the last moment of the 30-minute window
    const voided = await voidIt(galerne, r.body.redemption.id);
    expect(voided.status).toBe(200);
    expect(voided.body).toEqual({
      redemption: { ...r.body.redemption, status: 'voided', voidedAt: clock.now().toISOString() },
      voucher: { code: v.formatted, balanceCents: 25_00, status: 'active' },
    });
    expect(await voucherStateOn(app, v.code)).toEqual({ balanceCents: 25_00, status: 'active' });
    expect(await redeemedCents('seine-estuaire')).toBe(progress);
    await expectLedgerClean();

    const before = await snapshot();
    const again = await voidIt(galerne, r.body.redemption.id);
    expect(again.status).toBe(200);
    expect(again.body.redemption).toMatchObject({ id: r.body.redemption.id, status: 'voided' });
    expect(again.body.voucher).toEqual({ code: v.formatted, balanceCents: 25_00, status: 'active' });
    expect(await snapshot()).toEqual(before);
    expect(await redeemedCents('seine-estuaire')).toBe(progress);

    // The voucher is usable again.
    expect((await redeem(galerne, { code: v.code, amountCents: 25_00, idempotencyKey: idem() })).status).toBe(201);
    await expectLedgerClean();
  });

  it('refuses after the window (31 min) with 409 VOID_WINDOW_PASSED and changes nothing', async () => {
    const v = await buy(20_00);
    const r = await redeem(galerne, { code: v.code, amountCents: 7_00, idempotencyKey: idem() });
    expect(r.status).toBe(201);
    clock.advance(31 * 60_000);
    const before = await snapshot();
    const late = await voidIt(galerne, r.body.redemption.id);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('VOID_WINDOW_PASSED');
    expect(await snapshot()).toEqual(before);
    expect((await voucherStateOn(app, v.code)).balanceCents).toBe(13_00);
    await expectLedgerClean();
  });

  it("answers 404 REDEMPTION_NOT_FOUND to another shop's void, and to an unknown id, changing nothing", async () => {
    const v = await buy(20_00);
    const r = await redeem(galerne, { code: v.code, amountCents: 8_00, idempotencyKey: idem() });
    expect(r.status).toBe(201);
    const before = await snapshot();
    const other = await voidIt(fromagerie, r.body.redemption.id);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('REDEMPTION_NOT_FOUND');
    const unknown = await voidIt(galerne, randomUUID());
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('REDEMPTION_NOT_FOUND');
    expect(await snapshot()).toEqual(before);
    expect(await rowOf(app, 'SELECT status FROM redemptions WHERE id = @id', { id: r.body.redemption.id })).toEqual({ status: 'completed' });
    // Its own shop still can.
    expect((await voidIt(galerne, r.body.redemption.id)).status).toBe(200);
    await expectLedgerClean();
  });
});

describe('idempotency', () => {
  it('replays the same key and body: 200 with the identical body and no second debit', async () => {
    const v = await buy(40_00);
    const body = { code: v.formatted, amountCents: 15_00, idempotencyKey: idem() };
    const first = await redeem(galerne, body);
    expect(first.status).toBe(201);
    const movements = async () => (await rowOf<{ n: number }>(app, 'SELECT COUNT(*) AS n FROM movements WHERE voucher_id = @id', { id: v.id }))!.n;
    expect(await movements()).toBe(2);

    const before = await snapshot();
    const replay = await redeem(galerne, body);
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(first.text);
    // The same request with the code typed differently is the same request.
    const retyped = await redeem(galerne, { ...body, code: v.code.toLowerCase() });
    expect(retyped.status).toBe(200);
    expect(retyped.body).toEqual(first.body);
    expect(await snapshot()).toEqual(before);
    expect(await movements()).toBe(2);
    expect((await voucherStateOn(app, v.code)).balanceCents).toBe(25_00);

    // Still the original answer after the voucher moved on.
    expect((await redeem(galerne, { code: v.code, amountCents: 5_00, idempotencyKey: idem() })).status).toBe(201);
    const later = await redeem(galerne, body);
    expect(later.status).toBe(200);
    expect(later.text).toBe(first.text);
    expect((await voucherStateOn(app, v.code)).balanceCents).toBe(20_00);
    await expectLedgerClean();
  });

  it('refuses the same key for another amount or another code with 409 IDEMPOTENCY_KEY_REUSED', async () => {
    const v = await buy(40_00);
    const w = await buy(40_00);
    const key = idem();
    expect((await redeem(galerne, { code: v.code, amountCents: 10_00, idempotencyKey: key })).status).toBe(201);
    const before = await snapshot();
    for (const body of [
      { code: v.code, amountCents: 10_01, idempotencyKey: key },
      { code: w.code, amountCents: 10_00, idempotencyKey: key },
    ]) {
      const r = await redeem(galerne, body);
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    }
    expect(await snapshot()).toEqual(before);
    // Keys belong to a shop: another shop may use the same string for its own request.
    const elsewhere = await redeem(fromagerie, { code: w.code, amountCents: 10_00, idempotencyKey: key });
    expect(elsewhere.status).toBe(201);
    expect((await voucherStateOn(app, v.code)).balanceCents).toBe(30_00);
    expect((await voucherStateOn(app, w.code)).balanceCents).toBe(30_00);
    await expectLedgerClean();
  });
});

describe('bad input changes nothing and answers a stable code', () => {
  let v: BuiltVoucher;
  beforeAll(async () => {
    v = await buy(50_00);
  });
  const valid = () => ({ code: v.code, amountCents: 1_00, idempotencyKey: idem() });

  const cases: [string, () => unknown, string][] = [
    ['zero amount', () => ({ ...valid(), amountCents: 0 }), 'amountCents'],
    ['negative amount', () => ({ ...valid(), amountCents: -5_00 }), 'amountCents'],
    ['fractional amount', () => ({ ...valid(), amountCents: 10.5 }), 'amountCents'],
    ['amount as a string', () => ({ ...valid(), amountCents: '500' }), 'amountCents'],
    ['huge amount', () => ({ ...valid(), amountCents: 1e15 }), 'amountCents'],
    ['amount just above the API maximum', () => ({ ...valid(), amountCents: 100_000_01 }), 'amountCents'],
    ['missing amount', () => ({ code: v.code, idempotencyKey: idem() }), 'amountCents'],
    ['missing code', () => ({ amountCents: 1_00, idempotencyKey: idem() }), 'code'],
    ['blank code', () => ({ ...valid(), code: '   ' }), 'code'],
    ['code as a number', () => ({ ...valid(), code: 12345 }), 'code'],
    ['short idempotency key', () => ({ ...valid(), idempotencyKey: 'abc1234' }), 'idempotencyKey'],
    ['idempotency key with spaces', () => ({ ...valid(), idempotencyKey: 'key with spaces' }), 'idempotencyKey'],
    ['idempotency key too long', () => ({ ...valid(), idempotencyKey: 'k'.repeat(101) }), 'idempotencyKey'],
    ['missing idempotency key', () => ({ code: v.code, amountCents: 1_00 }), 'idempotencyKey'],
    // Unknown keys are reported on the body itself ('_'), as for orders.
    ['unknown field', () => ({ ...valid(), merchantId: 'someone-else' }), '_'],
  ];

  it.each(cases)('%s → 422 VALIDATION_FAILED naming the field', async (_name, body, field) => {
    const before = await snapshot();
    const r = await redeem(galerne, body());
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(r.body.error.fields)).toEqual([field]);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['malformed JSON', 400, 'MALFORMED_JSON', '{"code": "ABCD", "amountCents": 1'],
    ['a JSON array', 422, 'VALIDATION_FAILED', '[]'],
    ['a JSON string', 400, 'MALFORMED_JSON', '"hello"'],
  ] as const)('%s → %d %s', async (_name, status, code, raw) => {
    const before = await snapshot();
    const r = await redeem(galerne, raw);
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['a latin-1 charset', { 'content-type': 'application/json; charset=iso-8859-1' }, 415, 'BAD_REQUEST'],
    ['a gzip-encoded body', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 415, 'BAD_REQUEST'],
    ['no JSON content type', { 'content-type': 'text/plain' }, 422, 'VALIDATION_FAILED'],
  ] as const)('%s → %d %s, nothing changed', async (_name, headers, status, code) => {
    const before = await snapshot();
    const res = await fetch(`${app.url}/api/v1/redemptions`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${galerne.key}` }, body: JSON.stringify(valid()) });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a body over 16 KB with 413, whether its length is declared or it is streamed in chunks', async () => {
    const before = await snapshot();
    const big = JSON.stringify({ ...valid(), padding: 'x'.repeat(20_000) });
    const declared = await redeem(galerne, big);
    expect([declared.status, declared.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const chunks = new ReadableStream({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(new TextEncoder().encode(big.slice(i * 5000, (i + 1) * 5000)));
        c.enqueue(new TextEncoder().encode(big.slice(25_000)));
        c.close();
      },
    });
    const res = await fetch(`${app.url}/api/v1/redemptions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${galerne.key}` }, body: chunks, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(await snapshot()).toEqual(before);
  });

  it('still redeems the untouched voucher afterwards (the cases above were not refused for another reason)', async () => {
    const r = await redeem(galerne, valid());
    expect(r.status).toBe(201);
    expect(r.body.voucher.balanceCents).toBe(49_00);
    await expectLedgerClean();
  });

  it('refuses bad from/to filters on the list with 422', async () => {
    const r = await call('GET', '/api/v1/redemptions?from=23/11/2026', galerne);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('authentication and roles', () => {
  let v: BuiltVoucher;
  beforeAll(async () => {
    v = await buy(20_00);
  });

  it('answers 401 without a key or with an unknown key, on every route', async () => {
    for (const key of [null, 'bk_shop_not-a-real-key-000000000000', galerne.key + 'x']) {
      for (const r of [await lookup(key, v.code), await redeem(key, { code: v.code, amountCents: 1_00, idempotencyKey: idem() }), await call('GET', '/api/v1/redemptions', key)]) {
        expect(r.status).toBe(401);
        expect(r.body.error.code).toBe('UNAUTHORIZED');
      }
    }
    expect((await voucherStateOn(app, v.code)).balanceCents).toBe(20_00);
  });

  it('answers 401 to a revoked key', async () => {
    const k = await shopKeyOn(app, 'librairie-la-galerne', 'to revoke');
    expect((await lookup(k, v.code)).status).toBe(200);
    // The shop's own revocation (revokeKeySteps), in the backend's unit of work.
    await storeUnits(app, sqliteApiKeyAdminStore, pgApiKeyAdminStore)((s) => revokeKeySteps(s, k.merchantId, k.id, clock.now()));
    const r = await lookup(k, v.code);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('UNAUTHORIZED');
    const p = await redeem(k, { code: v.code, amountCents: 1_00, idempotencyKey: idem() });
    expect(p.status).toBe(401);
    expect((await voucherStateOn(app, v.code)).balanceCents).toBe(20_00);
  });

  it('answers 403 FORBIDDEN to an admin key on the shop routes', async () => {
    const admin = await adminKeyOn(app);
    const r = await redemptionFor(galerne, v, 1_00);
    for (const res of [
      await lookup(admin, v.code),
      await redeem(admin, { code: v.code, amountCents: 1_00, idempotencyKey: idem() }),
      await voidIt(admin, r.id),
      await call('GET', '/api/v1/redemptions', admin),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    expect((await voucherStateOn(app, v.code)).balanceCents).toBe(19_00);
    await expectLedgerClean();
  });
});

async function redemptionFor(key: BuiltKey, v: BuiltVoucher, amountCents: number) {
  const r = await redeem(key, { code: v.code, amountCents, idempotencyKey: idem() });
  expect(r.status).toBe(201);
  return r.body.redemption as { id: string; number: number; createdAt: string };
}

describe('GET /api/v1/redemptions', () => {
  it("lists only the caller's redemptions, newest first, with from/to as Paris calendar days", async () => {
    const cinema = await shopKeyOn(app, 'cinema-lillebonne');
    const quincaillerie = await shopKeyOn(app, 'quincaillerie-bolbec');
    const v = await buy(100_00);
    // Day D two days ahead. 00:30 in Paris on D is still D-1 in UTC; 00:30 on D+1 is still D in UTC.
    const D = addDays(parisDate(T0), 2);
    const startOfD = endOfParisDay(addDays(D, -1)).getTime() + 1;
    const startOfNext = endOfParisDay(D).getTime() + 1;
    const at = (ms: number) => clock.set(new Date(ms));

    at(startOfD - 60_000); // 23:59 Paris on D-1
    const beforeD = await redemptionFor(cinema, v, 1_00);
    at(startOfD + 30 * 60_000); // 00:30 Paris on D
    const earlyD = await redemptionFor(cinema, v, 2_00);
    const otherShop = await redemptionFor(quincaillerie, v, 3_00);
    at(startOfNext - 30 * 60_000); // 23:30 Paris on D
    const lateD = await redemptionFor(cinema, v, 4_00);
    at(startOfNext + 30 * 60_000); // 00:30 Paris on D+1
    const nextDay = await redemptionFor(cinema, v, 5_00);
    const voided = await redemptionFor(cinema, v, 6_00);
    expect((await voidIt(cinema, voided.id)).status).toBe(200);

    const ids = async (query: string, key: BuiltKey = cinema) => {
      const r = await call('GET', `/api/v1/redemptions${query}`, key);
      expect(r.status).toBe(200);
      return (r.body.redemptions as { id: string }[]).map((x) => x.id);
    };
    expect(await ids('')).toEqual([voided.id, nextDay.id, lateD.id, earlyD.id, beforeD.id]);
    expect(await ids(`?from=${D}&to=${D}`)).toEqual([lateD.id, earlyD.id]);
    expect(await ids(`?from=${addDays(D, 1)}`)).toEqual([voided.id, nextDay.id]);
    expect(await ids(`?to=${addDays(D, -1)}`)).toEqual([beforeD.id]);
    expect(await ids(`?from=${D}&to=${addDays(D, 1)}&status=voided`)).toEqual([voided.id]);
    expect(await ids('', quincaillerie)).toEqual([otherShop.id]);

    const r = await call('GET', `/api/v1/redemptions?from=${D}&to=${D}`, cinema);
    expect(r.body.redemptions[0]).toEqual({ ...lateD, amountCents: 4_00, status: 'completed', code: v.formatted });
    await expectLedgerClean();
  });
});

describe('guessing protection', () => {
  it(`locks a key after ${FAILURES_BEFORE_LOCK} failed lookups: then 429 RATE_LIMITED even for a valid code, shown locked by the CLI`, async () => {
    const v = await buy(20_00);
    const k = await shopKeyOn(app, 'maison-lemarchand', 'guessing till');
    const sameShop = await shopKeyOn(app, 'maison-lemarchand', 'other till');
    for (let i = 0; i < FAILURES_BEFORE_LOCK - 1; i++) {
      const r = i % 4 === 3 ? await lookup(k, oneSymbolWrong(v.code, i % 20)) : await lookup(k, generateCode());
      expect([404, 422]).toContain(r.status);
    }
    // One short of the threshold: still served.
    expect((await lookup(k, v.code)).status).toBe(200);
    const last = await redeem(k, { code: generateCode(), amountCents: 1_00, idempotencyKey: idem() });
    expect(last.status).toBe(404);

    const locked = await lookup(k, v.code);
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('RATE_LIMITED');
    const before = await snapshot();
    const p = await redeem(k, { code: v.code, amountCents: 1_00, idempotencyKey: idem() });
    expect(p.status).toBe(429);
    expect(p.body.error.code).toBe('RATE_LIMITED');
    expect(await snapshot()).toEqual(before);

    // The lock is the key's, not the shop's.
    expect((await lookup(sameShop, v.code)).status).toBe(200);

    const row = (await rowOf<{ failurecount: number; lockeduntil: string | null }>(app, 'SELECT failure_count AS failurecount, locked_until AS lockeduntil FROM api_keys WHERE id = @id', { id: k.id }))!;
    expect(row.failurecount).toBe(FAILURES_BEFORE_LOCK);
    expect(isLocked({ lockedUntil: row.lockeduntil }, clock.now())).toBe(true);
    const cli = await run('npm', ['run', '-s', 'cli', '--', 'api-keys', '--merchant', 'maison-lemarchand', '--json'], {
      env: { ...process.env, BASE_URL: 'http://127.0.0.1', NODE_ENV: 'test', DATABASE_URL: app.pg ? app.pg.pool.options.connectionString! : app.config.databaseUrl, DATA_DIR: app.dataDir, LOG_LEVEL: 'silent' },
    });
    const { keys } = JSON.parse(cli.stdout.trim().split('\n').at(-1)!);
    expect(keys.find((x: { id: string }) => x.id === k.id)).toMatchObject({ state: 'locked', recentFailures: FAILURES_BEFORE_LOCK, label: 'guessing till' });
    expect(keys.find((x: { id: string }) => x.id === sameShop.id)).toMatchObject({ state: 'active' });

    // The lock ends after its time.
    clock.set(new Date(new Date(row.lockeduntil!).getTime() + 1));
    expect((await lookup(k, v.code)).status).toBe(200);
  });
});

describe('per-IP limit on failed lookups', () => {
  let limited: TestApp;
  const LIMIT = 5;
  beforeAll(async () => {
    limited = await startTestApp({ clock: fixedClock(T0), rateLimits: { ordersPer10Min: 10_000, voucherMissesPer10Min: LIMIT } });
  });
  afterAll(() => limited?.close());

  const at = (path: string, key: BuiltKey, body?: unknown) =>
    fetch(`${limited.url}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${key.key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  it(`answers 429 RATE_LIMITED once an IP has had ${LIMIT} failed lookups, even with a fresh key and a valid code`, async () => {
    const v = await paidVoucherOn({ ...limited, baseUrl: limited.url }, 20_00);
    const k1 = await shopKeyOn(limited, 'librairie-la-galerne');
    const k2 = await shopKeyOn(limited, 'fromagerie-du-marche');
    // Successful lookups do not count.
    for (let i = 0; i < LIMIT + 3; i++) expect((await at(`/api/v1/vouchers/${v.code}`, k1)).status).toBe(200);
    for (let i = 0; i < LIMIT; i++) expect((await at(`/api/v1/vouchers/${generateCode()}`, k1)).status).toBe(404);
    const r = await at(`/api/v1/vouchers/${v.code}`, k2);
    expect(r.status).toBe(429);
    expect((await r.json()).error.code).toBe('RATE_LIMITED');
    const p = await at('/api/v1/redemptions', k2, { code: v.code, amountCents: 1_00, idempotencyKey: idem() });
    expect(p.status).toBe(429);
    expect((await voucherStateOn(limited, v.code)).balanceCents).toBe(20_00);
    // Neither key reached its own lock.
    expect((await rowsOf<{ lockeduntil: string | null }>(limited, 'SELECT locked_until AS lockeduntil FROM api_keys')).every((k) => !k.lockeduntil)).toBe(true);
  });
});

describe('fixes found by review', () => {
  let fx: Awaited<ReturnType<typeof startTestApp>>;
  beforeAll(async () => {
    fx = await startTestApp({ rateLimits: { voucherMissesPer10Min: 3 } });
  });
  afterAll(() => fx.close());

  it('counts only unknown or mistyped codes against the per-IP limit, not ordinary refusals', async () => {
    const key = (await shopKeyOn(fx, 'librairie-la-galerne', 't')).key;
    const code = (await rowOf<{ code: string }>(fx, `SELECT code FROM vouchers v JOIN campaigns c ON c.id = v.campaign_id WHERE c.slug = 'seine-estuaire' LIMIT 1`))!.code;
    const post = (body: object) => fetch(`${fx.url}/api/v1/redemptions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (let i = 0; i < 6; i++) expect((await post({ code, amountCents: 999_999, idempotencyKey: `too-much-${i}xx` })).status).toBe(409);
    expect((await fetch(`${fx.url}/api/v1/vouchers/${code}`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  });

  it('answers 404, not 500, for a QR URL with a broken percent-escape', async () => {
    const key = (await shopKeyOn(fx, 'librairie-la-galerne', 't2')).key;
    const res = await fetch(`${fx.url}/api/v1/redemptions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ code: 'https://x.example/v/%ZZ', amountCents: 1, idempotencyKey: 'probe-esc-1' }) });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('VOUCHER_NOT_FOUND');
  });

  it('replays the original body even after the redemption was voided', async () => {
    const key = (await shopKeyOn(fx, 'librairie-la-galerne', 't4')).key;
    // A redeemable seeded voucher (the latest issued: no rowid on PostgreSQL).
    const code = (await rowOf<{ code: string }>(
      fx,
      `SELECT code FROM vouchers v JOIN campaigns c ON c.id = v.campaign_id
        WHERE c.slug = 'seine-estuaire' AND v.status = 'active' AND v.balance_cents >= 500 AND v.expires_at > @now
        ORDER BY v.issued_at DESC, v.id DESC LIMIT 1`,
      { now: fx.clock.now().toISOString() },
    ))!.code;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ code, amountCents: 300, idempotencyKey: 'replay-after-void-1' });
    const first = await (await fetch(`${fx.url}/api/v1/redemptions`, { method: 'POST', headers, body })).text();
    const id = JSON.parse(first).redemption.id;
    expect((await fetch(`${fx.url}/api/v1/redemptions/${id}/void`, { method: 'POST', headers })).status).toBe(200);
    const replay = await fetch(`${fx.url}/api/v1/redemptions`, { method: 'POST', headers, body });
    expect(replay.status).toBe(200);
    expect(await replay.text()).toBe(first);
  });

  it('refuses impossible dates in the list', async () => {
    const key = (await shopKeyOn(fx, 'librairie-la-galerne', 't3')).key;
    for (const q of ['from=2026-13-45', 'to=2026-02-30']) {
      const res = await fetch(`${fx.url}/api/v1/redemptions?${q}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(422);
    }
  });
});
