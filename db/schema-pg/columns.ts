import { bigint } from 'drizzle-orm/pg-core';

/**
 * SQLite's INTEGER is 64-bit: every integer column is a PostgreSQL bigint, read back as a JS
 * number (amounts are safe integers by the money rules; sums of national history exceed int4's
 * 21 million euros).
 */
export const int64 = (name: string) => bigint(name, { mode: 'number' });
