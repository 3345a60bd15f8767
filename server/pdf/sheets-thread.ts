import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SheetVoucher, VoucherSheetsOptions } from './voucher-sheets';

/**
 * Printable voucher sheets are drawn in a worker thread. Each page costs the CPU tens of
 * milliseconds (eight QR codes, kerned text, deflate) and its garbage is collected on the
 * heap that made it: on the main thread a 500-voucher order held the event loop 115-175 ms
 * at a time, in a worker the tills never wait for it (issue 13, finding 5).
 *
 * The same streamVoucherSheets runs in the thread, fed and drained through messages so the
 * flat-memory streaming holds end to end: the thread pulls vouchers a batch at a time (the
 * main thread reads them from the database as it asks), and posts each chunk of PDF bytes,
 * which the main thread writes to the response; the next chunk waits for the answer's
 * 'drain'. A client that goes away stops the drawing.
 */
const MODULE = fileURLToPath(new URL('./voucher-sheets.ts', import.meta.url));
const BATCH = 64;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Writable } = require('node:stream');
require('tsx/cjs/api').register();
const { streamVoucherSheets } = require(workerData.module);
const jobs = new Map();
const post = (m, transfer) => parentPort.postMessage(m, transfer);
parentPort.on('message', (m) => {
  if (m.type === 'start') return start(m);
  const job = jobs.get(m.id);
  if (job) job[m.type](m);
});
function start({ id, opts }) {
  let answer = null;
  let written = null;
  const out = new Writable({
    write(chunk, _enc, cb) {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice();
      written = cb;
      post({ id, type: 'chunk', bytes }, [bytes.buffer]);
    },
    final(cb) {
      post({ id, type: 'end' });
      cb();
    },
  });
  async function* source() {
    for (;;) {
      const m = await new Promise((resolve) => { answer = resolve; post({ id, type: 'pull' }); });
      if (m.error !== undefined) throw new Error(m.error);
      yield* m.vouchers;
      if (m.done) return;
    }
  }
  jobs.set(id, {
    batch: (m) => answer && answer(m),
    ack: () => { const cb = written; written = null; if (cb) cb(); },
    stop: () => out.destroy(),
  });
  streamVoucherSheets(out, source(), opts).then(
    () => { jobs.delete(id); post({ id, type: 'done' }); },
    (err) => { jobs.delete(id); out.destroy(); post({ id, type: 'failed', error: String((err && err.message) || err) }); },
  );
}
`;

type FromThread = { id: number } & ({ type: 'pull' } | { type: 'chunk'; bytes: Uint8Array } | { type: 'end' } | { type: 'done' } | { type: 'failed'; error: string });
type Job = (m: FromThread) => void;

let worker: Worker | null = null;
let nextId = 0;
const jobs = new Map<number, { handle: Job; fail: (err: Error) => void }>();

function thread(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER, { eval: true, workerData: { module: MODULE } });
  w.on('message', (m: FromThread) => jobs.get(m.id)?.handle(m));
  // A dead thread fails what it was drawing; the next download starts a new one.
  const fail = (err: Error) => {
    if (worker === w) worker = null;
    for (const job of jobs.values()) job.fail(err);
    jobs.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`voucher sheets thread exited (${code})`)));
  w.unref();
  worker = w;
  return w;
}

type Out = NodeJS.WritableStream & { destroyed?: boolean; writableFinished?: boolean };

/**
 * streamVoucherSheets, drawn off the event loop, with the same contract: resolves when `out`
 * has the whole file or went away; rejects on an error of `out`, of the source or of the
 * drawing, leaving `out` unended so the caller destroys it (a truncated PDF must not look whole).
 */
export function streamVoucherSheetsOffThread(out: NodeJS.WritableStream, vouchers: AsyncIterable<SheetVoucher>, opts: VoucherSheetsOptions): Promise<void> {
  const dest = out as Out;
  const w = thread();
  const id = nextId++;
  const source = vouchers[Symbol.asyncIterator]();
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      jobs.delete(id);
      dest.off('close', onClose);
      dest.off('error', onError);
      if (jobs.size === 0) w.unref();
      if (err) reject(err);
      else resolve();
    };
    // The client went away: the thread stops drawing and says 'done'.
    const onClose = () => {
      if (!dest.writableFinished) w.postMessage({ id, type: 'stop' });
    };
    const onError = (err: Error) => {
      w.postMessage({ id, type: 'stop' });
      finish(err);
    };
    dest.on('close', onClose);
    dest.on('error', onError);
    const pull = async () => {
      try {
        const vouchersBatch: SheetVoucher[] = [];
        while (vouchersBatch.length < BATCH) {
          const next = await source.next();
          if (next.done) return w.postMessage({ id, type: 'batch', vouchers: vouchersBatch, done: true });
          vouchersBatch.push(next.value);
        }
        w.postMessage({ id, type: 'batch', vouchers: vouchersBatch, done: false });
      } catch (err) {
        w.postMessage({ id, type: 'batch', error: String((err as Error).message ?? err) });
      }
    };
    const handle: Job = (m) => {
      switch (m.type) {
        case 'pull':
          return void pull();
        case 'chunk': {
          if (dest.destroyed) return w.postMessage({ id, type: 'ack' });
          const more = dest.write(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
          if (more) return w.postMessage({ id, type: 'ack' });
          const ack = () => {
            dest.off('drain', ack);
            dest.off('close', ack);
            w.postMessage({ id, type: 'ack' });
          };
          dest.on('drain', ack);
          dest.on('close', ack);
          return;
        }
        case 'end':
          return void dest.end();
        case 'done':
          if (dest.destroyed || dest.writableFinished) return finish();
          dest.once('finish', () => finish());
          dest.once('close', () => finish());
          return;
        case 'failed':
          return finish(new Error(`voucher sheets: ${m.error}`));
      }
    };
    jobs.set(id, { handle, fail: finish });
    // Kept alive while it owes bytes, so a download in progress is never cut short.
    w.ref();
    w.postMessage({ id, type: 'start', opts });
  });
}
