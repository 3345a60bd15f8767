import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

const BETTER_SQLITE3 = createRequire(import.meta.url).resolve('better-sqlite3');

// Runs in its own thread with its own connection. A PASSIVE checkpoint copies committed
// WAL frames into the database file and fsyncs it without taking the write lock, so
// writers on the main thread never wait for it.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const tick = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage(String(err)); } };
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => { if (m === 'stop') { clearInterval(timer); tick(); db.close(); process.exit(0); } });
`;

/**
 * Moves WAL checkpoints (and their fsync) off the event loop: the till's writes then pay
 * only their WAL append. The main connection keeps a high automatic checkpoint as a
 * safety net should this thread stop.
 */
export function startCheckpointer(path: string, intervalMs = 1000, onError: (e: string) => void = () => {}) {
  const worker = new Worker(WORKER, { eval: true, workerData: { path, intervalMs, driver: BETTER_SQLITE3 } });
  worker.on('message', onError);
  worker.on('error', (e) => onError(String(e)));
  worker.unref();
  return {
    // Unref'd while it runs (it must not keep a process alive), but ref'd while stopping:
    // otherwise a caller awaiting close() could see Node exit mid-await, silently.
    stop: () =>
      new Promise<void>((resolve) => {
        worker.ref();
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }),
  };
}
