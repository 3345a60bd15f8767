import pg from 'pg';
import { pgTypes } from './postgres';
import { RunAgain } from './unit-of-work';

/**
 * The app's PostgreSQL side: a pool and its units of work. Isolation is READ COMMITTED
 * throughout (PostgreSQL's default, and what the money paths are written for): every money
 * path first locks the rows it changes (`SELECT … FOR UPDATE` on its voucher or redemption,
 * the counter row it numbers from), and each statement after a lock wait reads the latest
 * committed row, so the checks run on what the writes will change. No table lock, no
 * SERIALIZABLE: two tills on two vouchers never wait for each other except on the short
 * tail of the transaction that takes the journal's counter row (docs/architecture.md).
 *
 * A deadlock (40P01), a serialization failure (40001, should a caller raise the isolation)
 * or a RunAgain from the service rolls back and runs the whole unit again, at most
 * MAX_ATTEMPTS times, after a short random pause so the same two do not collide again.
 */
export interface PgDatabase {
  pool: pg.Pool;
  /**
   * One unit of work on one pooled connection: BEGIN (READ COMMITTED) … COMMIT, retried as
   * above. `fn` may hand back a last statement (`Ending`, its values already inlined): the
   * pool sends it and COMMIT in ONE simple-protocol message, so the rows that statement locks
   * are held for the server's time only, never for a round trip to this process
   * (db/pg-write-behind.ts). If it fails, the server skips the COMMIT and the unit rolls back.
   */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T | Ending<T>>, options?: UnitOptions): Promise<T>;
  close(): Promise<void>;
}

/** Every unit of work runs at this level (see the top comment). */
export const BEGIN = 'BEGIN ISOLATION LEVEL READ COMMITTED';

export interface UnitOptions {
  /**
   * `fn` sends BEGIN itself, in the same message as its first statement (db/pg-write-behind.ts
   * does, and never sends anything before it): one round trip fewer. The pool still ends the
   * unit with COMMIT or ROLLBACK.
   */
  unitBegins?: boolean;
}

/** A unit's result with the last statement to send with COMMIT (see PgDatabase.transaction). */
export class Ending<T> {
  constructor(readonly result: T, readonly last: string | null) {}
}

const MAX_ATTEMPTS = 5;
const RETRYABLE = new Set(['40001', '40P01']);

export function retryable(error: unknown): boolean {
  return error instanceof RunAgain || RETRYABLE.has((error as { code?: string } | null)?.code ?? '');
}

/**
 * COMMIT of a transaction that had failed (a caught error inside the unit) answers ROLLBACK
 * without an error: refused here, so a unit is never reported done when nothing was written.
 */
function committed(result: pg.QueryResult | pg.QueryResult[]): void {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  if (last?.command !== 'COMMIT') throw new Error(`the unit of work was rolled back at COMMIT (${last?.command ?? 'no answer'})`);
}

export function openPostgresPool(url: string, options: { max?: number } = {}): PgDatabase {
  const pool = new pg.Pool({ connectionString: url, types: pgTypes, max: options.max ?? 20 });
  // An idle connection whose server went away must not crash the process: the next checkout reconnects.
  pool.on('error', () => {});
  const transaction = async <T>(fn: (client: pg.PoolClient) => Promise<T | Ending<T>>, o: UnitOptions = {}): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      let broken = false;
      try {
        if (!o.unitBegins) await client.query(BEGIN);
        const outcome = await fn(client);
        if (!(outcome instanceof Ending)) {
          committed(await client.query('COMMIT'));
          return outcome;
        }
        committed(await client.query(outcome.last ? `${outcome.last};\nCOMMIT` : 'COMMIT'));
        return outcome.result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        if (attempt >= MAX_ATTEMPTS || !retryable(error)) throw error;
      } finally {
        client.release(broken);
      }
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  };
  return { pool, transaction, close: () => pool.end() };
}
