/**
 * What the streamed-PDF benches share: a counting sink, one measured run (time, output,
 * event-loop delay, memory sampled inside the producer's loop), and each measurement in
 * a fresh child process so memory figures do not inherit the previous run's heap.
 */
import { fork } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { MB, MemorySampler, round } from './support';

/** Discards bytes, counts them; calls `onChunk` every 64 chunks (a memory sample). */
export class CountingWritable extends Writable {
  bytes = 0;
  private chunks = 0;
  constructor(private readonly onChunk?: () => void) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (this.onChunk && ++this.chunks % 64 === 0) this.onChunk();
    cb();
  }
}

export interface StreamRun {
  seconds: number;
  outputMB: number;
  /** Bytes that reached the sink before the producer's promise was returned (0 ⇒ whole document buffered first). */
  bytesBeforeReturnMB: number;
  /** Time spent synchronously inside the producer before it returned its promise (event loop blocked). */
  syncMs: number;
  maxEventLoopDelayMs: number;
  rssDeltaMB: number;
  heapDeltaMB: number;
  externalDeltaMB: number;
  baselineRssMB: number;
  peakRssMB: number;
  memorySamples: number;
}

/** One run of `produce` into a counting sink; `sample` is for the producer's own loop. */
export async function measureStream(produce: (out: Writable, sample: () => void) => Promise<void>): Promise<StreamRun> {
  const mem = new MemorySampler();
  const sample = () => mem.sample();
  const out = new CountingWritable(sample);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  mem.start(10);
  const t0 = performance.now();
  const done = produce(out, sample);
  const syncMs = performance.now() - t0;
  const bytesBeforeReturn = out.bytes;
  await done;
  const seconds = (performance.now() - t0) / 1000;
  // Give the delay monitor's timer a chance to fire after a final long synchronous stretch.
  await new Promise((resolve) => setTimeout(resolve, 50));
  loop.disable();
  const m = mem.stop();
  return {
    seconds: round(seconds, 2),
    outputMB: round(out.bytes / MB, 2),
    bytesBeforeReturnMB: round(bytesBeforeReturn / MB, 2),
    syncMs: Math.round(syncMs),
    maxEventLoopDelayMs: Math.round(Math.max(loop.max / 1e6, syncMs)),
    rssDeltaMB: m.rssDeltaMB,
    heapDeltaMB: m.heapDeltaMB,
    externalDeltaMB: m.externalDeltaMB,
    baselineRssMB: m.baselineRssMB,
    peakRssMB: m.peakRssMB,
    memorySamples: m.samples,
  };
}

/** Runs `file --child <job>` (with --expose-gc) and resolves with what the child sent. */
export function inChild<T>(file: string, label: string, job: unknown): Promise<T> {
  const what = `${label} child ${JSON.stringify(job)}`;
  return new Promise((resolve, reject) => {
    const child = fork(file, ['--child', JSON.stringify(job)], {
      execArgv: [...process.execArgv, '--expose-gc'],
      env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: T | undefined;
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${what} timed out`));
    }, 180_000);
    child.on('message', (m) => (result = m as T));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0 && result !== undefined) resolve(result);
      else reject(new Error(`${what} exited with ${code}`));
    });
  });
}

/**
 * In a child started by inChild: runs `handle` on the job and sends its result back.
 * Returns false when this process is not such a child.
 */
export function serveChildJob<J>(handle: (job: J) => Promise<unknown>): boolean {
  const i = process.argv.indexOf('--child');
  if (i === -1) return false;
  handle(JSON.parse(process.argv[i + 1]!) as J)
    .then((r) => new Promise<void>((resolve, reject) => process.send!(r, (err: Error | null) => (err ? reject(err) : resolve()))))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
  return true;
}
