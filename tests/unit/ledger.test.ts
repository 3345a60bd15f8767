import { loadOperator } from '../../server/operator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { migrateDatabase, openDatabase, type Database_ } from '../../db/client';
import { seedDemo } from '../../db/seed/demo';
import { assertBalanced } from '../../server/domain/ledger/accounts';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { postJournal } from '../../server/domain/ledger/ledger-repository';
import { createOrder, type OrdersDeps } from '../../server/domain/orders/orders-service';
import { handleProviderEvent } from '../../server/domain/orders/payment-events-service';
import { fixedClock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { DemoProvider } from '../../server/payments/demo-provider';

const count = (db: Database_, sql: string) => (db.sqlite.prepare(sql).get() as { n: number }).n;

describe('journals', () => {
  it('refuses unbalanced, single-line or fractional journals', () => {
    expect(() => assertBalanced([{ account: 'a', amountCents: 100 }, { account: 'b', amountCents: -99 }])).toThrow(/unbalanced/);
    expect(() => assertBalanced([{ account: 'a', amountCents: 0 }])).toThrow();
    expect(() => assertBalanced([{ account: 'a', amountCents: 0.5 }, { account: 'b', amountCents: -0.5 }])).toThrow();
    expect(() => assertBalanced([{ account: 'a', amountCents: 100 }, { account: 'b', amountCents: -100 }])).not.toThrow();
  });
});

describe('ledger invariants', () => {
  let db: Database_;
  let deps: OrdersDeps;
  const clock = fixedClock('2026-11-23T10:00:00Z');

  beforeEach(async () => {
    db = openDatabase(':memory:');
    migrateDatabase(db);
    await seedDemo(db, clock.now());
    const payments = new DemoProvider('http://localhost:3000');
    deps = { database: db, clock, payments, baseUrl: 'http://localhost:3000', logger: createLogger('silent'), operator: loadOperator({}, false) };
  });
  afterEach(() => db.close());

  it('holds on the seeded demo data', () => {
    expect(checkLedger(db)).toEqual([]);
  });

  it('detects a tampered balance, an unbalanced journal and a stale progress cache', () => {
    db.sqlite.prepare(`UPDATE vouchers SET balance_cents = balance_cents - 1 WHERE rowid = (SELECT MIN(rowid) FROM vouchers)`).run();
    db.sqlite.prepare(`INSERT INTO journal_lines (journal_id, account, amount_cents) SELECT id, 'breakage', 5 FROM journals LIMIT 1`).run();
    db.sqlite.prepare(`UPDATE campaigns SET sold_cents = sold_cents + 100 WHERE slug = 'noel-fecamp'`).run();
    const found = new Set(checkLedger(db).map((b) => b.invariant));
    // The balance written behind the ledger writer's back also leaves the balance aggregate behind.
    expect(found).toEqual(new Set(['voucher_balance_equals_movements', 'journal_balances', 'liability_equals_outstanding_balances', 'campaign_progress_cache', 'report_totals:voucher_balance_totals']));
  });

  it('refuses to write an unbalanced journal at all', () => {
    const before = count(db, 'SELECT COUNT(*) n FROM journals');
    expect(() => db.transaction((tx) => postJournal(tx, { kind: 'x', description: 'x', lines: [{ account: 'a', amountCents: 1 }, { account: 'b', amountCents: 0 }] }, clock.now()))).toThrow();
    expect(count(db, 'SELECT COUNT(*) n FROM journals')).toBe(before);
  });

  // Any interleaving of orders and payment events — replays, late failures, expiries,
  // wrong amounts — keeps every invariant, and each paid order is issued exactly once.
  it('keeps every invariant over random sequences of orders and payment events', async () => {
    // ≤ 3 lines × 3 × 150 € stays within the individual limit (1 500 €, 50 vouchers).
    const step = fc.oneof(
      fc.record({ op: fc.constant('order' as const), amounts: fc.array(fc.constantFrom(1000, 2000, 5000, 1250, 15000), { minLength: 1, maxLength: 3 }), qty: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ op: fc.constantFrom('paid' as const, 'failed' as const, 'expired' as const, 'replay' as const, 'wrong_amount' as const), target: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const orders: { id: string; ref: string; total: number }[] = [];
        const delivered: ReturnType<DemoProvider['simulatedEvent']>[] = [];
        const demo = deps.payments as DemoProvider;
        for (const s of steps) {
          if (s.op === 'order') {
            const created = await createOrder(deps, {
              campaignSlug: 'seine-estuaire',
              buyer: { type: 'individual', name: 'P', email: 'p@example.org' },
              items: s.amounts.map((amountCents) => ({ amountCents, quantity: s.qty })),
              paymentMethod: 'card',
              locale: 'fr',
            });
            orders.push({ id: created.order.id, ref: created.order.checkoutRef!, total: created.order.totalCents });
            continue;
          }
          if (s.op === 'replay') {
            const e = delivered[s.target % Math.max(1, delivered.length)];
            if (e) expect(handleProviderEvent(deps, e)).toBe('duplicate');
            continue;
          }
          const o = orders[s.target % Math.max(1, orders.length)];
          if (!o) continue;
          const event =
            s.op === 'expired'
              ? { ...demo.simulatedEvent(o.ref, 'failed', o.total), kind: 'expired' as const }
              : demo.simulatedEvent(o.ref, s.op === 'failed' ? 'failed' : 'paid', s.op === 'wrong_amount' ? o.total + 1 : o.total);
          handleProviderEvent(deps, event);
          delivered.push(event);
          clock.advance(60_000);
        }
        expect(checkLedger(db)).toEqual([]);
        const twice = count(db, `SELECT COUNT(*) n FROM (SELECT order_id FROM payments GROUP BY order_id HAVING COUNT(*) > 1)`);
        expect(twice).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});

describe('abandoned orders', () => {
  it('cancels orders without a checkout after an hour and demo checkouts after a day, nothing else', async () => {
    const { cancelAbandonedOrders } = await import('../../server/domain/orders/abandoned-orders');
    const db = openDatabase(':memory:');
    migrateDatabase(db);
    const clock = fixedClock('2026-11-23T10:00:00Z');
    await seedDemo(db, clock.now());
    const deps: OrdersDeps = { database: db, clock, payments: new DemoProvider('http://x'), baseUrl: 'http://x', logger: createLogger('silent'), operator: loadOperator({}, false) };
    const input = { campaignSlug: 'seine-estuaire', buyer: { type: 'individual' as const, name: 'A', email: 'a@example.org' }, items: [{ amountCents: 1000, quantity: 1 }], paymentMethod: 'card' as const, locale: 'fr' };
    const demoOrder = (await createOrder(deps, input)).order;
    const noCheckout = (await createOrder(deps, input)).order;
    db.sqlite.prepare('UPDATE orders SET checkout_ref = NULL WHERE id = ?').run(noCheckout.id);
    const status = (id: string) => (db.sqlite.prepare('SELECT status FROM orders WHERE id = ?').get(id) as { status: string }).status;

    expect(cancelAbandonedOrders(db, new Date('2026-11-23T10:59:00Z'))).toBe(0);
    expect(cancelAbandonedOrders(db, new Date('2026-11-23T11:01:00Z'))).toBe(1);
    expect(status(noCheckout.id)).toBe('cancelled');
    expect(status(demoOrder.id)).toBe('pending_payment');
    expect(cancelAbandonedOrders(db, new Date('2026-11-24T10:01:00Z'))).toBe(1);
    expect(status(demoOrder.id)).toBe('cancelled');
    expect(checkLedger(db)).toEqual([]);
    db.close();
  });
});
