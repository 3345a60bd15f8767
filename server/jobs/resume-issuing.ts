import { resumeIssuing, type IssuingDeps } from '../domain/orders/finish-issuing';
import type { Logger } from '../lib/logger';

/**
 * Completes orders left half-issued by a process that stopped between two slices (see
 * server/domain/orders/order-issuance.ts): at start-up, then every minute. Every server
 * may run it at once: each slice re-reads where its order stands, so no voucher is issued
 * twice and no lease is needed.
 */
export function startIssuingResumer(deps: (IssuingDeps | { resume: () => Promise<number> }) & { logger: Logger; kickOutbox: () => void }, everyMs = 60_000): { stop: () => void } {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      // On PostgreSQL the caller passes its own pass (resumeIssuingPostgres).
      const n = await ('resume' in deps ? deps.resume() : resumeIssuing(deps));
      if (n) {
        deps.logger.info({ orders: n }, 'half-issued orders completed');
        deps.kickOutbox();
      }
    } catch (err) {
      deps.logger.error({ err }, 'resuming half-issued orders failed');
    } finally {
      running = false;
    }
  };
  void run();
  const timer = setInterval(() => void run(), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
