import type { Database_ } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { enqueueMessage } from '../../mail/outbox-repository';

/**
 * Reminds holders once that a voucher with value left expires soon.
 *
 * Window: EXPIRY_REMINDER_DAYS = 30 days — long enough to plan a visit to a shop, short
 * enough that the mail is still about something coming. A voucher is reminded when it is
 * `active`, has a balance, expires within the next 30 days (and has not expired yet), was
 * never reminded (`expiry_reminded_at` NULL), and someone can be written to:
 * - the voucher's recipient email (set by the buyer or the organisation), else
 * - the buyer's email when the buyer is an individual — organisations' contacts are not
 *   sent one mail per voucher they handed out.
 * Blocked vouchers are not reminded (they cannot be spent); spent ones have nothing left.
 *
 * The outbox message and `expiry_reminded_at` are written in the same BEGIN IMMEDIATE
 * transaction, the update guarded on `expiry_reminded_at IS NULL`: two processes running
 * the reminders at once still send exactly one mail per voucher. The mail is in the
 * order's locale and rendered at send time (server/mail/voucher-messages.ts).
 */
export const EXPIRY_REMINDER_DAYS = 30;
export const REMINDER_KIND = 'voucher_expiry_reminder';
const DEFAULT_BATCH = 500;

export interface ReminderDeps {
  database: Database_;
  clock: Clock;
}

interface Due {
  id: string;
  recipient: string;
}

function build(database: Database_) {
  const s = database.sqlite;
  return {
    due: s.prepare<[string, string, number], Due>(
      `SELECT v.id, COALESCE(v.recipient_email, CASE WHEN o.buyer_type = 'individual' THEN o.buyer_email END) AS recipient
       FROM vouchers v JOIN orders o ON o.id = v.order_id
       WHERE v.status = 'active' AND v.balance_cents > 0 AND v.expiry_reminded_at IS NULL
         AND v.expires_at >= ? AND v.expires_at <= ?
         AND (v.recipient_email IS NOT NULL OR o.buyer_type = 'individual')
       ORDER BY v.expires_at, v.id LIMIT ?`,
    ),
    mark: s.prepare<[string, string]>(`UPDATE vouchers SET expiry_reminded_at = ? WHERE id = ? AND expiry_reminded_at IS NULL`),
  };
}

const cache = new WeakMap<Database_, ReturnType<typeof build>>();
function statements(database: Database_) {
  let st = cache.get(database);
  if (!st) cache.set(database, (st = build(database)));
  return st;
}

/** Enqueues the reminders due at `now`, in chunks of `batchSize` per transaction. Returns how many. */
export function remindExpiringVouchers(deps: ReminderDeps, opts: { now?: Date; batchSize?: number } = {}): { vouchers: number } {
  const now = opts.now ?? deps.clock.now();
  const at = now.toISOString();
  const until = new Date(now.getTime() + EXPIRY_REMINDER_DAYS * 86_400_000).toISOString();
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  const st = statements(deps.database);
  let reminded = 0;
  for (;;) {
    const chunk = deps.database.transaction((tx) => {
      const rows = st.due.all(at, until, batchSize);
      for (const r of rows) {
        // The row was just read in this transaction, so the guard always holds; it is
        // what makes the "once" explicit should this ever run outside one.
        if (st.mark.run(at, r.id).changes === 1) enqueueMessage(tx, { kind: REMINDER_KIND, recipient: r.recipient, payload: { voucherId: r.id } }, now);
      }
      return rows.length;
    });
    reminded += chunk;
    if (chunk < batchSize) break;
  }
  return { vouchers: reminded };
}
