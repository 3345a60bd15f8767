import { addRedemptions, addShops, issueVouchers } from '../../bench/settlement-data';
import type { OrdersDeps } from '../../server/domain/orders/orders-service';
import type { Clock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { DemoProvider } from '../../server/payments/demo-provider';
import { settle } from './settlement';
import type { TestApp } from './test-app';

/**
 * The query-plan tests' dataset (SQLite, and copied to PostgreSQL): `shops` bench shops,
 * `vouchers` vouchers with 10 redemptions each, built through the project's own code paths,
 * then settled up to 2026-11-20 two hours later (past the void window).
 */
export async function buildSettledScale(app: TestApp, clock: Clock & { advance(ms: number): void }, o: { shops: number; vouchers: number }): Promise<void> {
  const database = app.database;
  addShops(database, o.shops, clock.now());
  const deps: OrdersDeps = { database, clock, payments: new DemoProvider(app.url), baseUrl: app.url, logger: createLogger('silent'), operator: loadOperator({}, false) };
  await issueVouchers(deps, o.vouchers, () => {});
  addRedemptions(database, clock.now());
  clock.advance(2 * 3600_000);
  await settle(app, '2026-11-20');
}
