import type { Database_ } from '../../db/client';
import type { PgDatabase } from '../../db/postgres-pool';
import { createOperatorUser, isAcceptableOperatorPassword, isValidEmail, OPERATOR_MIN_PASSWORD } from '../domain/operators/operator-users-service';
import { notOnPostgres } from '../lib/not-on-postgres';
import { isOperatorRole } from '../domain/operators/roles';
import { systemClock } from '../lib/clock';

import { usage, type Opts } from './command';

/**
 * `create-admin --email E --password P [--name N] [--role admin|operator|viewer]`: a member
 * of the operator's staff (admin by default), who signs in at /operateur/connexion.
 * Input the command can judge by itself (email, password length, role) is bad usage: the
 * command's `usage` throws, so cli.ts exits 2. A taken email is a failed command (exit 1).
 */
export const createAdminCommand = (db: Database_, opts: Opts) => createAdmin({ database: db }, opts);

/** The same command on a PostgreSQL DATABASE_URL (server/cli/postgres-commands.ts): the user is written through the pool. */
export const createAdminCommandPostgres = (pg: PgDatabase, opts: Opts) => createAdmin({ database: notOnPostgres(), pg }, opts);

async function createAdmin(backend: { database: Database_; pg?: PgDatabase }, opts: Opts) {
  const { email, password } = opts;
  if (typeof email !== 'string' || typeof password !== 'string') usage('create-admin needs --email and --password');
  const role = opts.role ?? 'admin';
  if (!isOperatorRole(role)) usage('--role is admin, operator or viewer');
  if (!isValidEmail(email.trim().toLowerCase())) usage(`--email: not an email address: ${email}`);
  if (!isAcceptableOperatorPassword(password)) usage(`--password: at least ${OPERATOR_MIN_PASSWORD} characters`);
  const user = await createOperatorUser({ ...backend, clock: systemClock }, { email, password, role, name: typeof opts.name === 'string' ? opts.name : undefined });
  return {
    code: 0 as const,
    json: { user: { id: user.id, email: user.email, name: user.name, role: user.role } },
    text: `${user.role} ${user.email} created; sign in at /operateur/connexion`,
  };
}
