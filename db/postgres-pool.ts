import pg from 'pg';
import { pipelined, type Sent } from './pg-pipeline';
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
  /** How often units ran again, and why (see PgReruns): read by tests and the operator's figures. */
  reruns: PgReruns;
  close(): Promise<void>;
}

/**
 * Counted by the pool since it opened: a money path whose lock order is right reruns for
 * RunAgain (a unique key won by a concurrent unit) at most, never for a deadlock.
 */
export interface PgReruns {
  /** Units run again after a deadlock (40P01). */
  deadlocks: number;
  /** Units run again after a serialization failure (40001). */
  serialization: number;
  /** Units run again because the service asked (RunAgain). */
  runAgain: number;
  /** Units given up after MAX_ATTEMPTS retryable failures (the error reaches the caller). */
  exhausted: number;
  /** The most attempts any one unit took (1: none ran again). */
  mostAttempts: number;
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

/**
 * A unit's result with the last statement to send with COMMIT (see PgDatabase.transaction):
 * its text with the values inlined (one simple-protocol message), or named prepared
 * statements that go out pipelined with COMMIT, in one round trip too (db/pg-pipeline.ts).
 */
export class Ending<T> {
  constructor(
    readonly result: T,
    readonly last: string | readonly Sent[] | null,
    readonly after: EndingAfter<T> = {},
  ) {}
}

/** What a unit whose last statements are pipelined (Ending.last as Sent[]) learns from them. */
export interface EndingAfter<T> {
  /** The unit's result from the answers of its last statements (COMMIT excluded), when they carry part of it. */
  finish?: (answers: pg.QueryResult[]) => T;
}

/** The last statements pipelined with COMMIT (see Ending). */
async function endPipelined<T>(client: pg.ClientBase, outcome: Ending<T>, last: readonly Sent[]): Promise<T> {
  const answers = await pipelined(client, [...last, 'COMMIT']);
  committed(answers);
  return outcome.after.finish ? outcome.after.finish(answers.slice(0, -1)) : outcome.result;
}

const MAX_ATTEMPTS = 5;
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * The start of a held write's expectation message (`expect_rows`, db/pg-write-behind.ts)
 * whose miss means « a concurrent unit won, run again » — e.g. an insert `ON CONFLICT DO
 * NOTHING` on a unique key that another unit took — not « the books would break »: such a
 * miss counts and reruns as a RunAgain, wherever the held write was sent.
 */
export const RERUN_MISS = 'run again: ';

const rerunMiss = (error: unknown) => {
  const e = error as { code?: string; message?: string } | null;
  return e?.code === '23514' && typeof e.message === 'string' && e.message.startsWith(RERUN_MISS);
};

/** The PgReruns counter a retryable failure counts in. */
function countRerun(reruns: PgReruns, error: unknown): void {
  if (error instanceof RunAgain || rerunMiss(error)) reruns.runAgain++;
  else if ((error as { code?: string }).code === '40P01') reruns.deadlocks++;
  else reruns.serialization++;
}

export function retryable(error: unknown): boolean {
  return error instanceof RunAgain || rerunMiss(error) || RETRYABLE.has((error as { code?: string } | null)?.code ?? '');
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
  const reruns: PgReruns = { deadlocks: 0, serialization: 0, runAgain: 0, exhausted: 0, mostAttempts: 0 };
  const transaction = async <T>(fn: (client: pg.PoolClient) => Promise<T | Ending<T>>, o: UnitOptions = {}): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      let broken = false;
      try {
        if (!o.unitBegins) await client.query(BEGIN);
        const outcome = await fn(client);
        let result: T;
        if (!(outcome instanceof Ending)) {
          committed(await client.query('COMMIT'));
          result = outcome;
        } else if (typeof outcome.last === 'string' || outcome.last === null) {
          committed(await client.query(outcome.last ? `${outcome.last};\nCOMMIT` : 'COMMIT'));
          result = outcome.result;
        } else {
          result = await endPipelined(client, outcome, outcome.last);
        }
        reruns.mostAttempts = Math.max(reruns.mostAttempts, attempt);
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        reruns.mostAttempts = Math.max(reruns.mostAttempts, attempt);
        if (!retryable(error)) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          reruns.exhausted++;
          throw error;
        }
        countRerun(reruns, error);
      } finally {
        client.release(broken);
      }
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  };
  return { pool, transaction, reruns, close: () => pool.end() };
}
