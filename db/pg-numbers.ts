/**
 * PostgreSQL's integer results as JS numbers, exactly: node-postgres gives int8 (bigint
 * columns, COUNT) and numeric (SUM of a bigint) as strings. Kept apart from db/postgres.ts so
 * it loads no driver. A value beyond 2^53 (or not an integer) is refused rather than rounded.
 */
export const PG_INT8 = 20;
export const PG_NUMERIC = 1700;

export function exactInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${value} is not an integer JavaScript can hold exactly`);
  return n;
}
