/**
 * One service source, two drivers. A service that must run on both backends is written as a
 * generator: each repository call is `yield* store.call(…)`, where the call is itself a small
 * generator (a `Step`).
 *
 * - On SQLite a step never yields: it runs its prepared statement and returns the row. The
 *   whole service then runs straight through inside `runSync`, in the caller's BEGIN
 *   IMMEDIATE (or group-commit) transaction, with no promise and no event-loop turn —
 *   better-sqlite3's transactions must stay synchronous, and the till keeps today's speed.
 * - On PostgreSQL a step yields the query's promise once; `runAsync` awaits it and hands the
 *   rows back (or throws the query's error into the service, so its try/finally hold).
 *
 * The types stay exact: `const v = yield* store.voucherByCode(code)` is a `Voucher | undefined`
 * on both backends. Dialect lives in the store implementations only.
 */
export type Step<T> = Generator<Promise<unknown>, T, unknown>;

/** A step resolved already (SQLite, or a value computed without the database). */
// eslint-disable-next-line require-yield
export function* done<T>(value: T): Step<T> {
  return value;
}

/** A step that awaits one query (PostgreSQL). */
export function* awaited<T>(promise: () => Promise<T>): Step<T> {
  return (yield promise()) as T;
}

/** Drives a service whose steps never yield (SQLite). A yield is a programming error: a PostgreSQL step in a SQLite unit of work. */
export function runSync<T>(steps: Step<T>): T {
  const r = steps.next();
  if (!r.done) throw new Error('an asynchronous step inside a synchronous (SQLite) unit of work');
  return r.value;
}

/** Drives a service whose steps await their queries (PostgreSQL). */
export async function runAsync<T>(steps: Step<T>): Promise<T> {
  let r = steps.next();
  while (!r.done) {
    let value: unknown;
    try {
      value = await r.value;
    } catch (error) {
      r = steps.throw(error);
      continue;
    }
    r = steps.next(value);
  }
  return r.value;
}

/**
 * Thrown by a service (or a store) when a concurrent unit of work won a race the database
 * settled for it — a unique key taken between our read and our insert. The unit of work rolls
 * back and runs again (bounded); the second run reads what the winner wrote.
 */
export class RunAgain extends Error {
  constructor(reason: string) {
    super(`run again: ${reason}`);
  }
}
