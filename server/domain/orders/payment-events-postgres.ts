import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PgDatabase } from '../../../db/postgres-pool';
import { pgUnitOfWork } from '../../../db/pg-write-behind';
import { runAsync } from '../../../db/unit-of-work';
import type { ProviderEvent } from '../../payments/payment-provider';
import { issueSliceSteps } from './order-issuance';
import type { ConfirmDeps } from './payment-confirmation';
import { providerEventSteps, type EventOutcome } from './payment-events-service';
import { pgPaymentStore } from './payment-store-pg';

/**
 * Provider events on PostgreSQL: the same steps as on SQLite (payment-events-service.ts
 * `providerEventSteps`), one READ COMMITTED unit of work on one pooled connection, run
 * again on a deadlock, a serialization failure or a payment reference taken concurrently
 * (db/postgres-pool.ts). A paid order's remaining slices of vouchers follow, each in its own
 * unit of work that locks the order's row first, before the provider hears back.
 */
export async function applyProviderEventPostgres(pg: PgDatabase, deps: ConfirmDeps, event: ProviderEvent): Promise<EventOutcome> {
  const { outcome, paidOrderId } = await pgUnitOfWork(pg, (unit) => runAsync(providerEventSteps(pgPaymentStore(unit), deps, event)));
  deps.logger.info({ eventId: event.id, type: event.type, outcome }, 'payment event handled');
  if (outcome === 'issued' && paidOrderId) await finishIssuingPostgres(pg, deps, paidOrderId);
  return outcome;
}

/** finish-issuing.ts `finishIssuing` on PostgreSQL: safe in several processes at once (the order's row is locked per slice). */
export async function finishIssuingPostgres(pg: PgDatabase, deps: Pick<ConfirmDeps, 'clock'>, orderId: string): Promise<void> {
  for (;;) {
    const done = await pgUnitOfWork(pg, (unit) => runAsync(issueSliceSteps(pgPaymentStore(unit), orderId, deps.clock.now())));
    if (done) return;
    await nextTurn();
  }
}

/**
 * finish-issuing.ts `resumeIssuing` on PostgreSQL: every order left half-issued (a process
 * stopped between two slices) is completed; several servers may run it at once (each slice
 * locks its order and re-reads where it stands).
 */
export async function resumeIssuingPostgres(pg: PgDatabase, deps: Pick<ConfirmDeps, 'clock'>): Promise<number> {
  const { rows } = await pg.pool.query<{ id: string }>(`SELECT id FROM orders WHERE issue_journal_id IS NOT NULL`);
  for (const r of rows) await finishIssuingPostgres(pg, deps, r.id);
  return rows.length;
}
