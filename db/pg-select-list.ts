import { getTableColumns, type Table } from 'drizzle-orm';

/**
 * `"column" AS "key"` for every column of a (SQLite schema) table: a PostgreSQL SELECT that
 * hands back the rows in the shape the SQLite repositories return (the two schemas share
 * their column names). `alias` qualifies the columns (`m.`) in a join.
 */
export function pgSelectList(table: Table, alias = ''): string {
  return Object.entries(getTableColumns(table)).map(([key, c]) => `${alias}"${c.name}" AS "${key}"`).join(', ');
}
