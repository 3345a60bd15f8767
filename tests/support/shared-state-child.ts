/**
 * One more server process on a shared PostgreSQL database, for the several-processes tests:
 * its own pool, the app's own services over the PostgreSQL stores. Prints `ready`, waits
 * for a line on stdin (so two processes start their work together), then, all at once:
 * - `hits` rate-limit hits on one bucket (the rule: limit 10 per window);
 * - one run of the job `shared-job` for the slot given (its task sleeps 300 ms);
 * - outbox passes until nothing is due, each mail's id recorded as "sent";
 * and prints one JSON line: { counts, ran, sent }.
 *   node --import tsx tests/support/shared-state-child.ts <postgres url> <hits> <slot epoch ms> <holder>
 */
import { openPostgresPool } from '../../db/postgres-pool';
import { pgUnits } from '../../db/store-units';
import { hitSteps } from '../../server/domain/rate-limits/rate-limit';
import { pgRateLimitStore } from '../../server/domain/rate-limits/rate-limit-store-pg';
import { pgJobLeaseStore } from '../../server/jobs/job-lease-store-pg';
import { runOnce } from '../../server/jobs/run-once';
import { systemClock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { pgOutboxStore } from '../../server/mail/outbox-store-pg';
import { drainWith } from '../../server/mail/outbox-worker';

const [url, hits, slot, holder] = process.argv.slice(2);
const pool = openPostgresPool(url!, { max: 6 });
const logger = createLogger('silent');
const rateLimits = pgUnits(pool, pgRateLimitStore);
const leases = pgUnits(pool, pgJobLeaseStore);
const outbox = pgUnits(pool, pgOutboxStore);
const sent: string[] = [];

await pool.pool.query('SELECT 1'); // connected before saying ready
process.stdout.write('ready\n');
await new Promise((r) => process.stdin.once('data', r));
process.stdin.pause();
const now = Date.now();
const rule = { name: 'child-address', limit: 10, windowMs: 3600_000 };
const [counts, outcome] = await Promise.all([
  Promise.all(Array.from({ length: Number(hits) }, () => rateLimits((s) => hitSteps(s, rule, '192.0.2.1', now)))),
  runOnce({ leases, clock: systemClock, logger, holder, leaseMs: 60_000 }, 'shared-job', new Date(Number(slot)), () => new Promise((r) => setTimeout(r, 300))),
  (async () => {
    const loop = {
      outbox,
      clock: systemClock,
      logger,
      from: 'noreply@example.org',
      render: async (msg: { id: string; recipient: string }) => ({ to: msg.recipient, subject: msg.id, text: msg.id, html: msg.id }),
      transport: { kind: 'files' as const, send: async (mail: { subject: string }) => void sent.push(mail.subject) },
    };
    for (;;) {
      const r = await drainWith(loop, 5);
      if (r.sent + r.failed === 0) return;
    }
  })(),
]);
process.stdout.write(`${JSON.stringify({ counts: counts.map((h) => h.count), allowed: counts.filter((h) => h.allowed).length, ran: outcome.ran, sent })}\n`);
await pool.close();
