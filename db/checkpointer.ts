import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

const BETTER_SQLITE3 = createRequire(import.meta.url).resolve('better-sqlite3');

/** Slots of the shared signal: commits this process has made, and the stop request. */
const COMMITS = 0;
const STOP = 1;

// Runs in its own thread with its own connection. A PASSIVE checkpoint copies committed
// WAL frames into the database file and fsyncs it without taking the write lock, so
// writers on the main thread never wait for it.
//
// WHEN it runs matters as much. SQLite only starts the WAL again from its beginning when a
// writer finds every frame already copied; a checkpoint that overlaps a commit leaves the
// new frames behind. Under the till's steady load a timer-driven checkpoint (once a second)
// almost always overlapped one, so the WAL grew until the main connection's automatic
// checkpoint copied thousands of frames itself, on the event loop: 30–40 ms stalls, which
// were the till's slowest answers (bench/redemption.bench.ts). So the thread sleeps in
// Atomics.wait until the main thread signals a commit and starts right then, at the
// beginning of the gap before the next one, at most once per minGapMs: small checkpoints
// that usually finish inside the gap, so the WAL restarts often; and when the safety net
// still fires, it finds nearly every frame already copied.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const signal = new Int32Array(workerData.signal);
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage(String(err)); }
  return performance.now();
};
const stopped = () => Atomics.load(signal, ${STOP}) === 1;
let last = 0;
let behind = false;
while (!stopped()) {
  const seen = Atomics.load(signal, ${COMMITS});
  // 'timed-out': no commit signalled for idleMs (other processes' writes, or the last
  // writes before a pause, still get copied).
  const woke = Atomics.wait(signal, ${COMMITS}, seen, workerData.idleMs);
  if (stopped()) break;
  const rest = workerData.minGapMs - (performance.now() - last);
  if (woke !== 'timed-out' && !behind && rest > 0) {
    // Too soon: sleep out the gap (only a stop wakes us, so a burst of commits costs no
    // wake-ups), then start after the next commit.
    Atomics.wait(signal, ${STOP}, 0, rest);
    continue;
  }
  const before = Atomics.load(signal, ${COMMITS});
  last = checkpoint();
  // A commit landed during this checkpoint: its frames are not copied and the WAL cannot
  // restart, so go again right after the next commit (a small one: those frames only).
  behind = Atomics.load(signal, ${COMMITS}) !== before;
}
checkpoint();
db.close();
`;

export interface Checkpointer {
  /** A commit just ended on this process's connection: one atomic add and a wake-up. */
  committed(): void;
  /** A last checkpoint, then the thread ends. */
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  /** At most one checkpoint per this many ms while commits are signalled (default 20). */
  minGapMs?: number;
  /** A checkpoint after this many ms without a signalled commit (default 1000). */
  idleMs?: number;
  onError?: (message: string) => void;
}

/**
 * Moves WAL checkpoints (their copying and fsyncs) off the event loop: the till's writes
 * pay only their WAL append. The main connection keeps a high automatic checkpoint as a
 * safety net should this thread fall behind or stop.
 */
export function startCheckpointer(path: string, opts: CheckpointerOptions = {}): Checkpointer {
  const signal = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  const cells = new Int32Array(signal);
  const workerData = { path, driver: BETTER_SQLITE3, signal, minGapMs: opts.minGapMs ?? 20, idleMs: opts.idleMs ?? 1000 };
  const worker = new Worker(WORKER, { eval: true, workerData });
  worker.on('message', (m) => opts.onError?.(String(m)));
  worker.on('error', (e) => opts.onError?.(String(e)));
  worker.unref();
  return {
    committed: () => {
      Atomics.add(cells, COMMITS, 1);
      Atomics.notify(cells, COMMITS);
    },
    // Unref'd while it runs (it must not keep a process alive), but ref'd while stopping:
    // otherwise a caller awaiting close() could see Node exit mid-await, silently.
    stop: () =>
      new Promise<void>((resolve) => {
        worker.ref();
        worker.once('exit', () => resolve());
        Atomics.store(cells, STOP, 1);
        Atomics.notify(cells, COMMITS);
        Atomics.notify(cells, STOP);
      }),
  };
}
