import type { Database_ } from '../../db/client';
import type { PgDatabase } from '../../db/postgres-pool';
import { createMerchantUser } from '../domain/merchants/merchant-users-service';
import { systemClock } from '../lib/clock';
import { notOnPostgres } from '../lib/not-on-postgres';
import { usage, type Opts, type Result } from './command';

/**
 * `create-merchant-user --merchant SLUG --email E --password P [--role owner|staff] [--name N]`:
 * a shop user with a password. Missing options or an unknown role are bad usage (exit 2); a
 * weak password, an unknown shop or a taken email are the service's errors (exit 1, with
 * their code). On PostgreSQL (`pg`) the user is written through the pool, in one unit.
 */
export async function createMerchantUserCommand(backend: { database: Database_; pg?: PgDatabase }, opts: Opts): Promise<Result> {
  const [merchant, email, password] = [opts.merchant, opts.email, opts.password];
  if (typeof merchant !== 'string' || typeof email !== 'string' || typeof password !== 'string') usage('create-merchant-user needs --merchant, --email and --password');
  const role = opts.role ?? 'owner';
  if (role !== 'owner' && role !== 'staff') usage('--role is owner or staff');
  const user = await createMerchantUser({ ...backend, clock: systemClock }, { merchantSlug: merchant, email, password, role, name: typeof opts.name === 'string' ? opts.name : undefined });
  return { code: 0, json: { user: { id: user.id, email: user.email, role: user.role, merchant } }, text: `${user.role} ${user.email} created for ${merchant}` };
}

export const createMerchantUserCommandPostgres = (pg: PgDatabase, opts: Opts) => createMerchantUserCommand({ database: notOnPostgres(), pg }, opts);
