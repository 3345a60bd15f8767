import type { Database_ } from '../../db/client';
import { AppError } from './errors';

/**
 * The `database` an app on PostgreSQL hands to code not ported yet. Any use throws an
 * AppError 503 (`NOT_ON_POSTGRES_YET`, translated), so a page or action still written for
 * the embedded SQLite file answers a clear refusal instead of touching the wrong database —
 * and the PostgreSQL test pass finds every such path by name (the property in the error's
 * log line). Construction never throws: routers are built on both backends alike.
 */
export function notOnPostgres(): Database_ {
  return refusing('database');
}

/**
 * Reading a member answers another refusing proxy, and so does preparing a statement
 * (`prepare`, `pluck`, `raw`, `expand`: what routers do once when they are built, so
 * `const db = ctx.database.db` or a statement prepared at construction is harmless); any other
 * call — running a statement, a query builder, a transaction — throws. Promise resolution and
 * inspection probe `then`, symbols and `toJSON`: answered, so `await` and logging stay harmless.
 */
const PREPARING = new Set(['prepare', 'pluck', 'raw', 'expand']);
function refusing<T>(path: string): T {
  const target = function () {} as unknown as object;
  return new Proxy(target, {
    get(_t, property) {
      if (property === 'then' || typeof property === 'symbol' || property === 'toJSON') return undefined;
      return refusing(`${path}.${String(property)}`);
    },
    apply() {
      const name = path.slice(path.lastIndexOf('.') + 1);
      if (PREPARING.has(name)) return refusing(`${path}()`);
      throw new NotOnPostgresYet(`${path}()`);
    },
  }) as T;
}

export class NotOnPostgresYet extends AppError {
  constructor(readonly property: string) {
    super('NOT_ON_POSTGRES_YET', 503, 'errors.not_on_postgres_yet');
  }
}
