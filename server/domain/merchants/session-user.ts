import type pg from 'pg';
import { and, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { merchants, merchantUsers, sessions } from '../../../db/schema-pg/index';
import type { PgDatabase } from '../../../db/postgres-pool';
import { sha256 } from '../../lib/ids';
import { isLive } from '../sessions/sessions';
import { userForSession, type SignedInUser, type UsersDeps } from './merchant-users-service';

/**
 * The signed-in shop user of a session cookie, on the app's backend: on SQLite the existing
 * synchronous reads (userForSession), on PostgreSQL one join on a pooled connection. The
 * rules are the same: a shop session only (an operator's token never acts as a shop user),
 * live, its user not removed, its shop approved.
 */
export function shopUserOf(deps: UsersDeps & { pg: PgDatabase | null }, token: string | undefined): SignedInUser | null | Promise<SignedInUser | null> {
  if (!deps.pg) return userForSession(deps, token);
  if (!token) return null;
  return shopUserOnPostgres(deps.pg.pool, sha256(token), deps.clock.now());
}

async function shopUserOnPostgres(pool: pg.Pool, tokenHash: string, now: Date): Promise<SignedInUser | null> {
  const [row] = await drizzle(pool)
    .select({ session: { expiresAt: sessions.expiresAt }, user: merchantUsers, merchant: merchants })
    .from(sessions)
    .innerJoin(merchantUsers, eq(merchantUsers.id, sessions.userId))
    .innerJoin(merchants, eq(merchants.id, merchantUsers.merchantId))
    .where(and(eq(sessions.tokenHash, tokenHash), eq(sessions.realm, 'shop')))
    .limit(1);
  if (!row || !isLive(row.session, now) || row.user.removedAt || row.merchant.status !== 'approved') return null;
  return { user: row.user, merchant: row.merchant };
}
