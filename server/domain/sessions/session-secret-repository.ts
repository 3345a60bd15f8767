import { eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { settings } from '../../../db/schema/index';

const KEY = 'development_session_secret';

/**
 * The secret that signs CSRF tokens when SESSION_SECRET is not set (outside production):
 * the first process to start on a database stores its candidate, every other one takes
 * that one (`ON CONFLICT DO NOTHING`, then read back), so a form served by one server is
 * accepted by another even when each has its own data directory, or when two start at
 * once on a fresh one. Production requires SESSION_SECRET, the same on every server.
 */
export function sharedSessionSecret(tx: Tx, candidate: string, now: Date): string {
  tx.insert(settings).values({ key: KEY, value: candidate, updatedAt: now.toISOString() }).onConflictDoNothing().run();
  return tx.select({ value: settings.value }).from(settings).where(eq(settings.key, KEY)).get()!.value;
}
