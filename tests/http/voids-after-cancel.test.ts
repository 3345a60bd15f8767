/**
 * Issue 12, finding 1: a shop voids a redemption after the voucher was cancelled.
 * - cancelled by a refund (or by the operator): the void is refused with VOUCHER_CANCELLED,
 *   nothing moves, the books stay clean;
 * - cancelled by a reissue: the holder's claim follows the new code, so the void credits the
 *   replacement (never disclosing its code to the shop).
 * Before the fix both voids answered 200 and left the value on the cancelled code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { rowOf } from '../support/backend-query';
import { paidVoucherOn, shopKeyOn, type BuiltKey } from '../support/builders';
import { voucherStateOn } from '../support/builders-on';
import { ledgerBreaches } from '../support/ledger-check';
import { operatorClient } from '../support/operator';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
let admin: FormClient;
let till: BuiltKey;

beforeAll(async () => {
  app = await startTestApp();
  admin = await operatorClient(app.url, 'operateur@demo.bons-locaux.fr');
  till = await shopKeyOn(app, 'librairie-la-galerne');
});
afterAll(() => app?.close());

async function post(path: string, body: unknown) {
  const res = await fetch(`${app.url}${path}`, { method: 'POST', headers: { ...till.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}
const redeem = (code: string, amountCents: number) => post('/api/v1/redemptions', { code, amountCents, idempotencyKey: `void-${randomUUID()}` });
const voidIt = (id: string) => post(`/api/v1/redemptions/${id}/void`, {});

async function act(path: string, page: string, fields: Record<string, string>) {
  const p = await admin.get(page);
  return admin.post(path, fields, p.html);
}

const expectLedgerClean = async () => {
  const breaches = await ledgerBreaches(app);
  expect(breaches, JSON.stringify(breaches, null, 1)).toEqual([]);
};
const stranded = async () => (await rowOf<{ n: number }>(app, `SELECT COUNT(*) AS n FROM vouchers WHERE status = 'cancelled' AND balance_cents != 0`))!.n;
const redemptionStatus = async (id: string) => (await rowOf<{ status: string }>(app, `SELECT status FROM redemptions WHERE id = @id`, { id }))!.status;
const redeemed = async () => (await rowOf<{ r: number }>(app, `SELECT redeemed_cents AS r FROM campaigns WHERE slug = 'seine-estuaire'`))!.r;
const voucherState = (code: string) => voucherStateOn(app, code);

describe('a void after the voucher was cancelled', () => {
  it('is refused with VOUCHER_CANCELLED after a refund: the 12 € stay with the shop, nothing is stranded', async () => {
    const v = await paidVoucherOn({ ...app, baseUrl: app.url }, 20_00);
    const r = await redeem(v.code, 12_00);
    expect(r.status).toBe(201);
    const refund = await act(`/operateur/commandes/${v.orderId}/rembourser`, `/operateur/commandes/${v.orderId}`, { reason: 'Client déménage' });
    expect(refund.res.status).toBe(303);
    expect(await voucherState(v.code)).toEqual({ balanceCents: 0, status: 'cancelled' });
    const before = await redeemed();

    const voided = await voidIt(r.body.redemption.id);
    expect(voided.status).toBe(409);
    expect(voided.body.error.code).toBe('VOUCHER_CANCELLED');
    expect(voided.body.error.message).toMatch(/annulé/);
    expect(await voucherState(v.code)).toEqual({ balanceCents: 0, status: 'cancelled' });
    expect(await redemptionStatus(r.body.redemption.id)).toBe('completed');
    expect(await redeemed()).toBe(before);
    expect(await stranded()).toBe(0);
    await expectLedgerClean();
  });

  it('credits the replacement after a reissue: the holder gets the 5 € back on the new code', async () => {
    const v = await paidVoucherOn({ ...app, baseUrl: app.url }, 20_00);
    const r = await redeem(v.code, 5_00);
    expect(r.status).toBe(201);
    const page = `/operateur/bons/${v.code}`;
    expect((await act(`${page}/bloquer`, page, { reason: 'lost' })).res.status).toBe(303);
    const reissued = await act(`${page}/reemettre`, page, { reason: 'perdu' });
    expect(reissued.res.status).toBe(303);
    const newCode = /\/operateur\/bons\/([A-Z2-9]{20})\?/.exec(reissued.res.headers.get('location')!)![1]!;
    expect(await voucherState(newCode)).toEqual({ balanceCents: 15_00, status: 'active' });

    const voided = await voidIt(r.body.redemption.id);
    expect(voided.status).toBe(200);
    expect(voided.body.redemption.status).toBe('voided');
    expect(voided.body.creditedTo).toBe('replacement');
    // The shop sees the code it redeemed, never the replacement's.
    expect(JSON.stringify(voided.body)).not.toContain(newCode);
    expect(await voucherState(v.code)).toEqual({ balanceCents: 0, status: 'cancelled' });
    expect(await voucherState(newCode)).toEqual({ balanceCents: 20_00, status: 'active' });
    const movement = await rowOf(app, `SELECT v.code, m.kind, m.amount_cents AS amount FROM movements m JOIN vouchers v ON v.id = m.voucher_id
      WHERE m.redemption_id = @id AND m.kind = 'void'`, { id: r.body.redemption.id });
    expect(movement).toEqual({ code: newCode, kind: 'void', amount: 5_00 });
    expect(await stranded()).toBe(0);
    await expectLedgerClean();

    // The whole value is spendable again on the new code.
    const spend = await redeem(newCode, 20_00);
    expect(spend.status).toBe(201);
    await expectLedgerClean();
  });
});
