import type { Writable } from 'node:stream';

/** Bytes gathered before one write: few enough syscalls, small enough to stay flat. */
const CHUNK_BYTES = 64 * 1024;

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
 * of about 64 KB; after each chunk the loop is given back, to the consumer's `drain` when
 * it is slow (backpressure) or to the next turn of the loop (`setImmediate`) when it is
 * fast, so a till request waiting behind an export waits one chunk, not the whole file.
 * The readers behind `lines` are meant to read in short pages (keyset over an index), so
 * one chunk never costs more than a page read.
 *
 * Stops pulling (and closes the generator, releasing its statement) as soon as `out` goes
 * away. Returns the number of lines written. On an error of the generator nothing more is
 * written and the error is thrown: the caller must destroy `out` once bytes are out, so a
 * truncated file never looks complete (server/web/stream-lines.ts does).
 */
export async function streamLinesTo(out: Writable, lines: Iterable<string>, opts: StreamLinesOptions): Promise<number> {
  const encode = opts.encode;
  let buffer = opts.bom ? '\ufeff' : '';
  let count = 0;
  const iterator = lines[Symbol.iterator]();
  try {
    for (;;) {
      const next = iterator.next();
      if (!next.done) {
        buffer += next.value + opts.eol;
        count++;
        if (buffer.length < CHUNK_BYTES) continue;
      }
      if (out.destroyed || out.writableEnded) return count;
      const more = out.write(encode ? encode(buffer) : buffer);
      buffer = '';
      if (next.done) break;
      if (!more) await drained(out);
      // Always a turn of the loop, after a drain too: a socket that takes a write at once
      // emits 'drain' from process.nextTick, and awaiting only that would chain the whole
      // file through microtasks without ever letting a timer or another request run.
      await nextTurn();
    }
  } finally {
    iterator.return?.();
  }
  if (!out.destroyed) out.end();
  return count;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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
