import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { awaited } from '../../../db/unit-of-work';
import type { Session } from './sessions-repository';
import type { SessionStore } from './sessions-store';

const COLUMNS = `token_hash AS "tokenHash", user_id AS "userId", realm, created_at AS "createdAt", expires_at AS "expiresAt"`;

/** Sessions on PostgreSQL: the same statements as on SQLite, each naming the realm (sessions-repository.ts says why). */
export function pgSessionStore(client: pg.ClientBase): SessionStore {
  const q = preparedOn(client);
  const run = (name: string, text: string, values: unknown[]) => awaited(async () => void (await q(name, text, values)));
  return {
    insert: (s) =>
      run('session_insert', `INSERT INTO sessions (token_hash, user_id, realm, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`, [s.tokenHash, s.userId, s.realm, s.createdAt, s.expiresAt]),
    find: (realm, hash) => awaited(async () => (await q<Session>('session_find', `SELECT ${COLUMNS} FROM sessions WHERE token_hash = $1 AND realm = $2`, [hash, realm])).rows[0]),
    extend: (realm, hash, expiresAt) => run('session_extend', `UPDATE sessions SET expires_at = $3 WHERE token_hash = $1 AND realm = $2`, [hash, realm, expiresAt]),
    delete: (realm, hash) => run('session_delete', `DELETE FROM sessions WHERE token_hash = $1 AND realm = $2`, [hash, realm]),
    deleteUser: (realm, userId) => run('session_delete_user', `DELETE FROM sessions WHERE user_id = $1 AND realm = $2`, [userId, realm]),
    deleteExpired: (now) => run('session_delete_expired', `DELETE FROM sessions WHERE expires_at < $1`, [now]),
  };
}
