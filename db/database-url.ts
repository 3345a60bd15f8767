/** A PostgreSQL DATABASE_URL (postgres:// or postgresql://); anything else is SQLite's. Kept apart from db/postgres.ts so checking a URL loads no driver. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
