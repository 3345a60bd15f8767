import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { awaited } from '../../../db/unit-of-work';
import { AppError } from '../../lib/errors';
import { pgSessionStore } from '../sessions/sessions-store-pg';
import type { OperatorUser } from './operator-users-repository';
import type { OperatorStore, OperatorUsersStore } from './operator-users-store';
import { pgTotpStore } from './totp-store-pg';

const COLUMNS = `id, email, name, role, password_hash AS "passwordHash", totp_secret AS "totpSecret", totp_last_step AS "totpLastStep", created_at AS "createdAt", disabled_at AS "disabledAt"`;
const UNIQUE_VIOLATION = '23505';

/** Operator users on PostgreSQL: the statements of operator-users-repository.ts, prepared per connection. */
export function pgOperatorUsersStore(client: pg.ClientBase): OperatorUsersStore {
  const q = preparedOn(client);
  const one = (name: string, text: string, values: unknown[]) => awaited(async () => (await q<OperatorUser>(name, text, values)).rows[0]);
  return {
    byEmail: (email) => one('operator_by_email', `SELECT ${COLUMNS} FROM operator_users WHERE email = $1`, [email.toLowerCase()]),
    byId: (id) => one('operator_by_id', `SELECT ${COLUMNS} FROM operator_users WHERE id = $1`, [id]),
    insertUser: (u) =>
      awaited(async () => {
        try {
          await q(
            'operator_insert',
            `INSERT INTO operator_users (id, email, name, role, password_hash, totp_secret, totp_last_step, created_at, disabled_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
            [u.id, u.email, u.name, u.role, u.passwordHash, u.totpSecret, u.totpLastStep, u.createdAt, u.disabledAt],
          );
        } catch (error) {
          // Two creations of the same address at once: the unique key settles it, as the read before could not.
          if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new AppError('EMAIL_TAKEN', 409, 'errors.email_taken', { email: 'errors.email_taken' });
          throw error;
        }
      }),
    disable: (id, at) => awaited(async () => void (await q('operator_disable', `UPDATE operator_users SET disabled_at = $2 WHERE id = $1`, [id, at]))),
    enableTotp: (id, secret, step) =>
      awaited(async () =>
        (await q(
          'operator_enable_totp',
          `UPDATE operator_users SET totp_secret = $2,
             totp_last_step = CASE WHEN totp_last_step IS NULL OR totp_last_step < $3 THEN $3 ELSE totp_last_step END
           WHERE id = $1 AND totp_secret IS NULL`,
          [id, secret, step],
        )).rowCount === 1,
      ),
    disableTotp: (id) => awaited(async () => void (await q('operator_disable_totp', `UPDATE operator_users SET totp_secret = NULL WHERE id = $1`, [id]))),
  };
}

export const pgOperatorStore = (client: pg.ClientBase): OperatorStore => ({ ...pgOperatorUsersStore(client), ...pgTotpStore(client), ...pgSessionStore(client) });
