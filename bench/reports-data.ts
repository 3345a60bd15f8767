/**
 * The reports benchmark's dataset: the issue's shape (200 000 vouchers, 1 000 000
 * redemptions, 1 000 shops) on a SQLite file, built the settlement benchmark's way — vouchers
 * through the real order and bank-transfer services (bulk path), redemptions with set-based
 * SQL written as the till writes them (settlement-data.ts) — and kept under data/bench/
 * (git-ignored) so later runs reuse it instead of rebuilding.
 */
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { migrateDatabase, openDatabase } from '../db/client';
import { seedDemo } from '../db/seed/demo';
import type { OrdersDeps } from '../server/domain/orders/orders-service';
import { fixedClock } from '../server/lib/clock';
import { createLogger } from '../server/lib/logger';
import { loadOperator } from '../server/operator';
import { DemoProvider } from '../server/payments/demo-provider';
import { recordBankTransfer } from '../server/domain/orders/bank-transfers-service';
import { createOrder } from '../server/domain/orders/orders-service';
import { addRedemptions, addShops, PER_VOUCHER } from './settlement-data';

export interface ReportsShape { vouchers: number; redemptions: number; shops: number }

/** Builds (or reuses) `file`; the copy the benchmark works on is `work`. Returns the build time in ms (0 when reused). */
export async function reportsDataset(file: string, work: string, shape: ReportsShape, log: (l: string) => void): Promise<number> {
  let ms = 0;
  if (!existsSync(file)) {
    const t0 = Date.now();
    const tmp = `${file}.building`;
    rmSync(tmp, { force: true });
    const database = openDatabase(`file:${tmp}`);
    migrateDatabase(database);
    const now = new Date();
    await seedDemo(database, new Date(now.getTime() - 8 * 86400_000));
    addShops(database, shape.shops, now);
    const deps: OrdersDeps = { database, clock: fixedClock(now), payments: new DemoProvider('https://bons.example.org'), baseUrl: 'https://bons.example.org', logger: createLogger('silent'), operator: loadOperator({}, false) };
    // The redeemed vouchers first (addRedemptions takes every 100 € transfer voucher there is), then the rest.
    const redeemed = Math.ceil(shape.redemptions / PER_VOUCHER);
    await issue(deps, redeemed, 'A', log);
    log(`reports bench: ${addRedemptions(database, now)} redemptions`);
    if (shape.vouchers > redeemed) await issue(deps, shape.vouchers - redeemed, 'B', log);
    database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    await database.close();
    renameSync(tmp, file);
    ms = Date.now() - t0;
  }
  copyFileSync(file, work);
  return ms;
}

const TOWN_HALL = {
  type: 'municipality' as const, name: 'Service des affaires sociales', email: 'social@mairie-exemple.fr', organisation: 'Mairie de Montivilliers',
  siret: '21764470700010', address: { lines: ['Place François Mitterrand'], postalCode: '76290', city: 'Montivilliers' },
};

/** `count` vouchers of 100 € in operator orders of 5 000 (the campaign's ceiling per order), paid by transfer. */
async function issue(deps: OrdersDeps, count: number, tag: string, log: (l: string) => void): Promise<void> {
  for (let done = 0, n = 0; done < count; n++) {
    const size = Math.min(5000, count - done);
    const created = await createOrder(deps, { campaignSlug: 'seine-estuaire', buyer: TOWN_HALL, items: [{ amountCents: 100_00, quantity: size }], paymentMethod: 'bank_transfer', locale: 'fr', byOperator: true });
    await recordBankTransfer(deps, { orderId: created.order.id, amountCents: created.order.totalCents, reference: `BENCH-${tag}${n}`, actor: 'bench' });
    done += size;
    log(`reports bench: ${done} / ${count} vouchers issued (${tag})`);
  }
}
