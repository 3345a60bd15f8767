/**
 * A second process at the till, for the settlement tests: opens the same SQLite file with
 * NO busy timeout (a write lock held by the other process makes it fail at once, instead
 * of waiting), runs the voids and redemptions it is given through the real service, and
 * prints one JSON line with each outcome (ok, or the error code).
 *   node --import tsx tests/support/till-child.ts <db file> '<json actions>'
 */
import { openDatabase } from '../../db/client';
import { redeem, voidRedemption } from '../../server/domain/redemptions/redemptions-service';
import { systemClock } from '../../server/lib/clock';

type Action = { void: string; merchantId: string } | { redeem: string; merchantId: string; amountCents: number };

const [file, json] = process.argv.slice(2);
const database = openDatabase(`file:${file}`, { backgroundCheckpoints: false });
database.sqlite.pragma('busy_timeout = 0');
// A wide void window on purpose: this till's clock or settings may differ from the
// settlement's; only the database's stamp decides what can still be voided.
const deps = { database, clock: systemClock, voidWindowMinutes: 24 * 60 };
const outcomes: unknown[] = [];
for (const [i, a] of (JSON.parse(json!) as Action[]).entries()) outcomes.push(await run(a, i));
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
await database.close();

async function run(a: Action, i: number) {
  try {
    if ('void' in a) {
      const r = voidRedemption(deps, { merchantId: a.merchantId, actor: 'till-child', redemptionId: a.void });
      return { ok: true, status: r.redemption.status };
    }
    const r = await redeem(deps, { merchantId: a.merchantId, actor: 'till-child', code: a.redeem, amountCents: a.amountCents, idempotencyKey: `till-child-${process.pid}-${i}` });
    return { ok: true, id: r.redemption.id };
  } catch (e) {
    return { ok: false, code: (e as { code?: string }).code ?? String(e) };
  }
}
