import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Database_ } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { issueSliceTx } from './order-issuance';
import { listOrdersBeingIssued } from './orders-repository';

export interface IssuingDeps {
  database: Database_;
  clock: Clock;
}

/**
 * Issues what is left of a paid order's vouchers, one slice per BEGIN IMMEDIATE
 * transaction, letting the event loop (tills, pages) run between slices. Safe to run in
 * several processes at once: each slice re-reads where the order stands. Resolves when
 * the order is complete (at once for an order issued with its payment).
 */
export async function finishIssuing(deps: IssuingDeps, orderId: string): Promise<void> {
  for (;;) {
    const done = deps.database.transaction((tx) => issueSliceTx(tx, orderId, deps.clock.now()));
    if (done) return;
    await nextTurn();
  }
}

/**
 * Completes every order left half-issued, e.g. by a process that stopped between two
 * slices: run at start-up and periodically by every server.
 */
export async function resumeIssuing(deps: IssuingDeps): Promise<number> {
  const ids = listOrdersBeingIssued(deps.database.db);
  for (const id of ids) await finishIssuing(deps, id);
  return ids.length;
}
