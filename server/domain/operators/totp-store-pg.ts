import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { awaited } from '../../../db/unit-of-work';
import type { TotpStore } from './totp-store';

/**
 * The spent step on PostgreSQL: one conditional UPDATE, as on SQLite. Two servers spending
 * the same code at once: the second UPDATE waits on the first's row lock, then re-checks
 * `totp_last_step < $2` on the committed row, finds it spent and changes nothing (READ
 * COMMITTED re-evaluates the WHERE of an UPDATE after a lock wait).
 */
export function pgTotpStore(client: pg.ClientBase): TotpStore {
  const q = preparedOn(client);
  return {
    spendStep: (userId, step) =>
      awaited(async () =>
        (await q(
          'totp_spend_step',
          `UPDATE operator_users SET totp_last_step = $2
           WHERE id = $1 AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $2)`,
          [userId, step],
        )).rowCount === 1,
      ),
  };
}
