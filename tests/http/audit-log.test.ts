/**
 * The audit log: one entry per operator action and money event (transfer, cancel,
 * settlement run, SEPA executed, voucher support), written in the action's transaction —
 * a refused or rolled-back action leaves none — and the searchable page and CSV export.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { done, type Step } from '../../db/unit-of-work';
import { audit, type AuditInput } from '../../server/domain/audit/audit-log';
import { pgAudit } from '../../server/domain/audit/audit-log-pg';
import { ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { readOn } from '../../server/web/backend-units';
import { adminUnits } from '../../server/web/operator/admin-units';
import { rowOf, rowsOf } from '../support/backend-query';
import { postOrder, shopKey, TOWN_HALL_BUYER, type BuiltKey } from '../support/builders';
import { paidOrderWithToken } from '../support/gift-orders';
import { FormClient, fixedClock, startTestApp, type TestApp } from '../support/test-app';
import { operatorClient } from '../support/operator';

const clock = fixedClock('2026-11-16T09:00:00Z');
let app: TestApp;
let admin: FormClient;
let viewer: FormClient;
let adminId: string;
let till: BuiltKey;

const signedIn = (email: string, password?: string) => operatorClient(app.url, email, password);

beforeAll(async () => {
  // The till's key is made before the start: on PostgreSQL the data built on SQLite is copied over.
  app = await startTestApp({ clock, prepare: (database) => void (till = shopKey({ database, clock }, 'librairie-la-galerne')) });
  admin = await signedIn('operateur@demo.bons-locaux.fr');
  viewer = await signedIn('lecture@demo.bons-locaux.fr');
  adminId = (await rowOf<{ id: string }>(app, `SELECT id FROM operator_users WHERE email = 'operateur@demo.bons-locaux.fr'`))!.id;
});
afterAll(() => app?.close());

interface Entry { id: number; at: string; actor: string; action: string; entityType: string; entityId: string; before: unknown; after: unknown; reason: string | null }
async function entries(entityId: string, action?: string): Promise<Entry[]> {
  const rows = await rowsOf<Omit<Entry, 'before' | 'after'> & { before: string | null; after: string | null }>(
    app,
    `SELECT id, at, actor, action, entity_type AS "entityType", entity_id AS "entityId", before, after, reason FROM audit_log WHERE entity_id = @entityId ORDER BY id`,
    { entityId },
  );
  return rows.filter((r) => action === undefined || r.action === action).map((r) => ({ ...r, before: r.before && JSON.parse(r.before), after: r.after && JSON.parse(r.after) }));
}
const count = async (sql: string) => (await rowOf<{ n: number }>(app, sql))!.n;
const total = () => count(`SELECT COUNT(*) AS n FROM audit_log`);

/** A unit of work that writes audit entries as the back-office's actions do (adminUnits), on the app's backend; `fail` throws after them. */
function auditing(list: AuditInput[], fail?: Error): Promise<void> {
  const units = adminUnits(app, (tx) => ({ audit: (e: AuditInput, now: Date) => done(audit(tx, e, now)) }), (unit) => ({ audit: pgAudit(unit) }));
  return (async () =>
    units(function* (s): Step<void> {
      for (const e of list) yield* s.audit(e, clock.now());
      if (fail) throw fail;
    }))();
}

/** A voucher of `amountCents` bought and paid by card on the app's backend. */
async function boughtVoucher(amountCents: number): Promise<{ id: string; code: string }> {
  const { voucherIds } = await paidOrderWithToken(app, { amountCents });
  return (await rowOf<{ id: string; code: string }>(app, 'SELECT id, code FROM vouchers WHERE id = @id', { id: voucherIds[0]! }))!;
}

async function transferOrder(organisation: string): Promise<{ id: string; reference: string; totalCents: number }> {
  const res = await postOrder(app.url, { buyer: { ...TOWN_HALL_BUYER, organisation }, items: [{ amountCents: 5000, quantity: 2 }] });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.order;
}
async function onOrderPage(orderId: string, action: string, fields: Record<string, string>) {
  const page = await admin.get(`/operateur/commandes/${orderId}`);
  return admin.post(`/operateur/commandes/${orderId}/${action}`, fields, page.html);
}

describe('entries written with each action', () => {
  it('records a bank transfer and a cancel with before/after; refused ones write nothing', async () => {
    const order = await transferOrder('Mairie d’Étretat');
    expect((await onOrderPage(order.id, 'virements', { amount: '10,00', reference: 'AUDIT-1', receivedOn: '2026-11-16' })).res.status).toBe(303);
    const [transfer, ...more] = await entries(order.id);
    expect(more).toEqual([]);
    expect(transfer).toMatchObject({
      actor: `operator:${adminId}`, action: 'order_transfer_recorded', entityType: 'order', at: '2026-11-16T09:00:00.000Z',
      before: { status: 'pending_payment', paidCents: 0 }, after: { status: 'pending_payment', paidCents: 10_00, reference: 'AUDIT-1', amountCents: 10_00 },
    });
    const before = await total();
    // Refused: the same reference for another amount, then a cancel of an order that received money.
    expect((await onOrderPage(order.id, 'virements', { amount: '12,00', reference: 'AUDIT-1', receivedOn: '2026-11-16' })).res.status).toBe(409);
    expect((await onOrderPage(order.id, 'annuler', { reason: 'la mairie renonce' })).res.status).toBe(409);
    expect(await total()).toBe(before);

    const other = await transferOrder('Mairie de Fécamp');
    expect((await onOrderPage(other.id, 'annuler', { reason: 'budget refusé' })).res.status).toBe(303);
    expect(await entries(other.id)).toEqual([
      expect.objectContaining({ action: 'order_cancel', entityType: 'order', before: { status: 'pending_payment' }, after: { status: 'cancelled' }, reason: 'budget refusé' }),
    ]);
    expect((await onOrderPage(other.id, 'annuler', { reason: 'encore' })).res.status).toBe(409);
    expect(await entries(other.id)).toHaveLength(1);
  });

  it('records a settlement run once per batch and its SEPA execution once', async () => {
    const v = await boughtVoucher(100_00);
    const taken = await fetch(`${app.url}/api/v1/redemptions`, {
      method: 'POST',
      headers: { ...till.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ code: v.code, amountCents: 42_00, idempotencyKey: `audit-${randomUUID()}` }),
    });
    expect(taken.status).toBe(201);
    clock.advance(3600_000);
    const page = await admin.get('/operateur/reglements');
    const run = await admin.post('/operateur/reglements', { until: '2026-11-16' }, page.html);
    expect(run.res.status).toBe(303);
    const batchId = (await rowOf<{ id: string }>(app, `SELECT id FROM settlement_batches ORDER BY created_at DESC LIMIT 1`))!.id;
    expect(await entries(batchId)).toEqual([
      expect.objectContaining({ action: 'settlement_batch_created', entityType: 'settlement_batch', actor: `operator:${adminId}`, after: expect.objectContaining({ until: '2026-11-16', grossCents: 42_00, statements: 1 }) }),
    ]);
    const detail = await admin.get(run.res.headers.get('location')!);
    await admin.post(`/operateur/reglements/${batchId}/execute`, {}, detail.html);
    await admin.post(`/operateur/reglements/${batchId}/execute`, {}, detail.html);
    expect(await entries(batchId, 'settlement_sepa_executed')).toEqual([
      expect.objectContaining({ before: { sepaExecutedAt: null }, after: expect.objectContaining({ statementsPaid: 1 }) }),
    ]);
    expect(await readOn(app, (dialect) => ledgerChecks(FULL, dialect))).toEqual([]);
  });

  it('records a voucher block with its state before and after; a refused block adds nothing', async () => {
    const v = await boughtVoucher(20_00);
    const page = await admin.get(`/operateur/bons/${v.code}`);
    expect((await admin.post(`/operateur/bons/${v.code}/bloquer`, { reason: 'lost' }, page.html)).res.status).toBe(303);
    expect((await admin.post(`/operateur/bons/${v.code}/bloquer`, { reason: 'lost' }, page.html)).res.status).toBe(409);
    expect(await entries(v.id)).toEqual([
      expect.objectContaining({
        action: 'voucher_block', entityType: 'voucher', reason: 'lost',
        before: expect.objectContaining({ status: 'active', balanceCents: 20_00, blockReason: null }),
        after: expect.objectContaining({ status: 'blocked', balanceCents: 20_00, blockReason: 'lost' }),
      }),
    ]);
    expect((await admin.get(`/operateur/bons/${v.code}`)).html).toContain('<strong>Bon bloqué</strong>');
  });

  it('is written inside the caller’s transaction: a rollback takes the entry with it', async () => {
    const before = await total();
    await expect(auditing([{ actor: 'test', action: 'test_rollback', entityType: 'test', entityId: 'x' }], new Error('boom'))).rejects.toThrow('boom');
    expect(await total()).toBe(before);
    // The same unit without the failure keeps its entry.
    await auditing([{ actor: 'test', action: 'test_rollback', entityType: 'test', entityId: 'y' }]);
    expect(await total()).toBe(before + 1);
  });
});

describe('the audit log page and export', () => {
  it('searches, filters and pages; a viewer may read it', async () => {
    const orderId = (await rowOf<{ id: string }>(app, `SELECT entity_id AS id FROM audit_log WHERE action = 'order_cancel' LIMIT 1`))!.id;
    const byEntity = await viewer.get(`/operateur/journal-audit?q=${orderId}`);
    expect(byEntity.res.status).toBe(200);
    expect(byEntity.html).toMatch(/\b1 entrée(?![s(])/);
    expect(byEntity.html).toContain('budget refusé');
    expect(byEntity.html).toContain(`href="/operateur/commandes/${orderId}"`);
    const byType = await viewer.get('/operateur/journal-audit?type=settlement_batch');
    expect(byType.html).toContain('settlement_batch_created');
    expect(byType.html).not.toContain('order_cancel</td>');
    expect((await viewer.get('/operateur/journal-audit?action=voucher_block')).html).toMatch(/\b1 entrée(?![s(])/);
    expect((await viewer.get('/operateur/journal-audit?from=2026-11-17')).html).toMatch(/\b0 entrée(?![s(])/);
    // Not total(): the demo seed's card payments are audited too, on their own (earlier) days.
    const sameDay = await count(`SELECT COUNT(*) AS n FROM audit_log WHERE at >= '2026-11-15T23:00:00.000Z' AND at < '2026-11-16T23:00:00.000Z'`);
    expect((await viewer.get('/operateur/journal-audit?from=2026-11-16&to=2026-11-16')).html).toContain(`${sameDay} ${Number(sameDay) > 1 ? 'entrées' : 'entrée'}`);
    expect((await viewer.get('/operateur/journal-audit?from=bogus&page=-2&type[]=x')).res.status).toBe(200);
  });

  it('pages through many entries, keeping the filters in the links', async () => {
    await auditing(Array.from({ length: 60 }, (_, i) => ({ actor: 'system:test', action: 'test_paging', entityType: 'test', entityId: `p${i}` })));
    const first = await viewer.get('/operateur/journal-audit?action=test_paging');
    expect(first.html).toContain('Page 1 sur 2');
    expect(first.html.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&')).toContain('href="/operateur/journal-audit?action=test_paging&page=2"');
    expect((await viewer.get('/operateur/journal-audit?action=test_paging&page=2')).html).toContain('Page 2 sur 2');
  });

  it('exports the filtered log as CSV', async () => {
    const res = await viewer.request('/operateur/journal-audit.csv?type=order');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toContain('journal-audit.csv');
    const bytes = Buffer.from(await res.arrayBuffer()); // res.text() would drop the BOM
    const text = bytes.toString('utf8');
    expect(text.startsWith('\ufeffid;date;acteur;action;type;entite;avant;apres;motif')).toBe(true);
    const lines = text.trim().split('\r\n').slice(1);
    expect(lines.length).toBe(await count(`SELECT COUNT(*) AS n FROM audit_log WHERE entity_type = 'order'`));
    expect(lines.some((l) => l.includes('order_cancel') && l.includes('budget refusé'))).toBe(true);
    expect(lines.every((l) => !l.includes('settlement_batch_created'))).toBe(true);
    const anon = await fetch(`${app.url}/operateur/journal-audit.csv`, { redirect: 'manual' });
    expect(anon.status).toBe(303);
  });
});
