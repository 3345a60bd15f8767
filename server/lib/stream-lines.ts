import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';

/** Bytes gathered before one write: few enough syscalls, small enough to stay flat. */
const CHUNK_BYTES = 64 * 1024;
/** Work per turn of the loop at most (ms): what a till request may wait behind a download. */
const SLICE_MS = 5;

export interface StreamLinesOptions {
  eol: '\n' | '\r\n';
  /** Writes a UTF-8 BOM first (spreadsheets then read the file as UTF-8). */
  bom?: boolean;
  /** Turns text into bytes (UTF-8 without it); called once per chunk, never across a line. */
  encode?: (text: string) => Buffer;
}

/**
 * Streams lines into `out` and ends it: an export of millions of lines never sits in
 * memory, and the one event loop is never held for long. Lines are gathered into chunks
 * of 64 KB or 5 ms of work; after each chunk the loop is given back, to the consumer's
 * `drain` when it is slow (backpressure) and to the next turn of the loop (`setImmediate`)
 * always, so a till request waiting behind an export waits one chunk, not the whole file;
 * when other work ran in that turn, the export also waits as long as its chunk took.
 * The readers behind `lines` are meant to read in short pages (keyset over an index), so
 * one chunk never costs more than a page read.
 *
 * Stops pulling (and closes the generator, releasing its statement) as soon as `out` goes
 * away. Returns the number of lines written. On an error of the generator nothing more is
 * written and the error is thrown: the caller must destroy `out` once bytes are out, so a
 * truncated file never looks complete (server/web/stream-lines.ts does).
 */
export async function streamLinesTo(out: Writable, lines: Iterable<string> | AsyncIterable<string>, opts: StreamLinesOptions): Promise<number> {
  const encode = opts.encode;
  let buffer = opts.bom ? '\ufeff' : '';
  let count = 0;
  // An async source (a PostgreSQL reader) answers with promises; a sync one (SQLite) is
  // pulled without a microtask per line.
  const iterator: Iterator<string> | AsyncIterator<string> = Symbol.asyncIterator in lines ? lines[Symbol.asyncIterator]() : lines[Symbol.iterator]();
  const pull = () => iterator.next();
  try {
    for (;;) {
      const started = performance.now();
      let pending = pull();
      let next = pending instanceof Promise ? await pending : pending;
      // A chunk ends at 64 KB or after SLICE_MS of work, whichever comes first.
      for (; !next.done; pending = pull(), next = pending instanceof Promise ? await pending : pending) {
        buffer += next.value + opts.eol;
        count++;
        if (buffer.length >= CHUNK_BYTES || ((count & 63) === 0 && performance.now() - started > SLICE_MS)) break;
      }
      if (out.destroyed || out.writableEnded) return count;
      const more = out.write(encode ? encode(buffer) : buffer);
      buffer = '';
      if (next.done) break;
      const work = performance.now() - started;
      if (!more) await drained(out);
      // Always a turn of the loop, after a drain too: a socket that takes a write at once
      // emits 'drain' from process.nextTick, and awaiting only that would chain the whole
      // file through microtasks without ever letting a timer or another request run.
      const before = performance.now();
      await nextTurn();
      // Others had work in that turn (tills, pages): give them as long again as the chunk
      // took, so a download takes at most about half of a busy loop and runs at full speed
      // on an idle one.
      if (performance.now() - before > 1) await pause(Math.min(work, 50));
    }
  } finally {
    await iterator.return?.();
  }
  if (!out.destroyed) out.end();
  return count;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves on `drain`, or when `out` closes or fails (the loop then sees it destroyed). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}
