import type { PgDatabase } from '../../../db/postgres-pool';
import { preparedOn } from '../../../db/postgres';
import { newId } from '../../lib/ids';
import { EXPIRY_REMINDER_DAYS, REMINDER_KIND } from './expiry-reminders';

const DEFAULT_BATCH = 500;

/**
 * The expiry reminders (expiry-reminders.ts: the rule and its window) on PostgreSQL. Each
 * chunk is one pooled transaction: the due vouchers are picked `FOR UPDATE OF v SKIP
 * LOCKED` and stamped in the same statement, guarded on `expiry_reminded_at IS NULL`, and
 * their outbox rows written before COMMIT — a mail exists if and only if its voucher is
 * stamped. Two servers reminding at once take different vouchers (or wait, and the guard
 * re-checked under READ COMMITTED finds the row already stamped): one mail per voucher.
 */
export async function remindExpiringVouchersOnPostgres(pg: PgDatabase, now: Date, batchSize = DEFAULT_BATCH): Promise<{ vouchers: number }> {
  const at = now.toISOString();
  const until = new Date(now.getTime() + EXPIRY_REMINDER_DAYS * 86_400_000).toISOString();
  let reminded = 0;
  for (;;) {
    const chunk = await pg.transaction(async (client) => {
      const q = preparedOn(client);
      const { rows } = await q<{ id: string; recipient: string }>(
        'expiry_reminders_mark',
        `WITH due AS (
           SELECT v.id, COALESCE(v.recipient_email, CASE WHEN o.buyer_type = 'individual' THEN o.buyer_email END) AS recipient
           FROM vouchers v JOIN orders o ON o.id = v.order_id
           WHERE v.status = 'active' AND v.balance_cents > 0 AND v.expiry_reminded_at IS NULL
             AND v.expires_at >= $1 AND v.expires_at <= $2
             AND (v.recipient_email IS NOT NULL OR o.buyer_type = 'individual')
           ORDER BY v.expires_at, v.id LIMIT $3
           FOR UPDATE OF v SKIP LOCKED)
         UPDATE vouchers SET expiry_reminded_at = $1 FROM due
         WHERE vouchers.id = due.id AND vouchers.expiry_reminded_at IS NULL
         RETURNING vouchers.id, due.recipient`,
        [at, until, batchSize],
      );
      if (rows.length) {
        await q(
          'expiry_reminders_enqueue',
          `INSERT INTO outbox_messages (id, kind, recipient, payload, status, attempts, next_attempt_at, created_at)
           SELECT m.id, $1, m.recipient, m.payload, 'pending', 0, $2, $2 FROM unnest($3::text[], $4::text[], $5::text[]) AS m(id, recipient, payload)`,
          [REMINDER_KIND, at, rows.map(() => newId()), rows.map((r) => r.recipient), rows.map((r) => JSON.stringify({ voucherId: r.id }))],
        );
      }
      return rows.length;
    });
    reminded += chunk;
    if (chunk < batchSize) break;
  }
  return { vouchers: reminded };
}
