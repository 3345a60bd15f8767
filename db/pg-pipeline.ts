/**
 * Several statements on one connection in ONE round trip, each still a named prepared
 * statement (planned once per connection, values as parameters, no literal in the text).
 *
 * Why: a till's unit of work needs a few statements whose answers all come back before its
 * next step (the key lookup, the voucher lock, the acceptance), and ends with its held
 * writes and COMMIT. node-postgres waits for each answer before it sends the next query,
 * unless the client is in pipeline mode (pg ≥ 8.23, `pipeline`): then every query goes out
 * at once, each ended by its own Sync. We switch a pooled client into that mode for the
 * batch only, and back once every answer is in, so the rest of the app (cursors, streams)
 * never meets a pipelined client. The writes are corked into one packet.
 *
 * Semantics inside a transaction (the unit's BEGIN comes first): each statement runs in
 * order with its own snapshot (READ COMMITTED); one that fails aborts the transaction, the
 * ones after it fail with 25P02 and a COMMIT behind them answers ROLLBACK — so the first
 * error is the one reported, and nothing is written, exactly as when they were sent one by one.
 */
import type pg from 'pg';

/** A statement of a pipeline: a named prepared statement, or plain text without values (BEGIN, COMMIT). */
export type Sent = { name: string; text: string; values: unknown[] } | string;

/** The private parts of a node-postgres client the switch needs (pg/lib/client.js). */
interface PipelinedClient {
  pipeline: boolean;
  connection: { stream: { cork?: () => void; uncork?: () => void } };
}

/**
 * Sends the statements at once and answers their results in order; rejects with the first
 * error once every statement has answered (the client is idle again then, ready for ROLLBACK).
 */
export async function pipelined(client: pg.ClientBase, statements: readonly Sent[]): Promise<pg.QueryResult[]> {
  if (statements.length === 1) return [await client.query(statements[0]!)];
  const c = client as unknown as PipelinedClient;
  if (typeof c.pipeline !== 'boolean') throw new Error('this node-postgres client has no pipeline mode (pg >= 8.23)');
  const stream = c.connection.stream;
  c.pipeline = true;
  let answers: Promise<pg.QueryResult>[];
  stream.cork?.();
  try {
    answers = statements.map((s) => client.query(s) as Promise<pg.QueryResult>);
  } finally {
    stream.uncork?.();
  }
  const settled = await Promise.allSettled(answers);
  c.pipeline = false;
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<pg.QueryResult>).value);
}
