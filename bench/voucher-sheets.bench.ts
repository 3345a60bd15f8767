/**
 * Printable voucher sheets (8 per A4 page): throughput and memory.
 *
 * Streams N generated vouchers into ONE PDF through the real `streamVoucherSheets` (vector QR,
 * crop marks) into a Writable that only counts bytes. Each measured run happens in a fresh
 * child process (same tsx loader) so RSS figures of the small and large runs are comparable.
 */
import { fork } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { formatCode, generateCode } from '../server/lib/codes';
import { streamVoucherSheets, VOUCHERS_PER_PAGE, type SheetVoucher, type VoucherSheetsOptions } from '../server/pdf/voucher-sheets';
import { MB, MemorySampler, printBench, round, target, type BenchResult } from './support';

const THIS_FILE = fileURLToPath(import.meta.url);

/** A town hall's whole print run (10 000 vouchers) in at most 20 s; scaled to the count measured. */
export const TARGET_SECONDS_PER_10K = 20;
/** Flat memory: the large run may not peak more than this factor × the small run (+ slack for allocator noise). */
const FLAT_FACTOR = 1.5;
const FLAT_SLACK_MB = 16;

const OPTS: VoucherSheetsOptions = {
  baseUrl: 'https://bons.example.org',
  locale: 'fr',
  title: 'Noël des aînés 2026 — Ville de Montivilliers',
  eventLabel: 'Noël 2026',
  orderReference: 'CMD-2026-0042',
};

const RECIPIENTS = ['Camille Martin', 'Jean-Baptiste Lefèvre', 'Léa Dubois', null];
const MESSAGES = ['Joyeuses fêtes !', null, null];

/** Generated vouchers, pulled lazily; calls `tick` every few items so memory is sampled inside the loop too. */
function* vouchers(count: number, tick?: () => void): Generator<SheetVoucher> {
  const expiresAt = new Date(Date.UTC(2027, 11, 31, 22, 59, 59)).toISOString();
  for (let i = 0; i < count; i++) {
    if (tick && i % 25 === 0) tick();
    const code = generateCode();
    yield {
      code,
      formatted: formatCode(code),
      amountCents: [1000, 2000, 5000, 2550][i % 4]!,
      expiresAt,
      recipientName: RECIPIENTS[i % RECIPIENTS.length]!,
      campaignName: 'Bons d’achat Seine-Estuaire',
      message: MESSAGES[i % MESSAGES.length]!,
    };
  }
}

/** Discards bytes, counts them. */
class CountingWritable extends Writable {
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

interface Run {
  count: number;
  pages: number;
  seconds: number;
  vouchersPerSec: number;
  outputMB: number;
  maxEventLoopDelayMs: number;
  rssDeltaMB: number;
  heapDeltaMB: number;
  externalDeltaMB: number;
  peakRssMB: number;
}

async function measure(count: number): Promise<Run> {
  // Warm-up (JIT, font metrics, i18n tables) before the memory baseline.
  await streamVoucherSheets(new CountingWritable(), vouchers(200), OPTS);

  const mem = new MemorySampler();
  const sample = () => mem.sample();
  const out = new CountingWritable(sample);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  mem.start(10);
  const t0 = performance.now();
  await streamVoucherSheets(out, vouchers(count, sample), OPTS);
  const seconds = (performance.now() - t0) / 1000;
  loop.disable();
  const m = mem.stop();
  return {
    count,
    pages: Math.ceil(count / VOUCHERS_PER_PAGE),
    seconds: round(seconds, 2),
    vouchersPerSec: Math.round(count / seconds),
    outputMB: round(out.bytes / MB, 2),
    maxEventLoopDelayMs: Math.round(loop.max / 1e6),
    rssDeltaMB: m.rssDeltaMB,
    heapDeltaMB: m.heapDeltaMB,
    externalDeltaMB: m.externalDeltaMB,
    peakRssMB: m.peakRssMB,
  };
}

/** One measurement in a fresh process, for memory figures that do not inherit the previous run's heap. */
function inChild(count: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = fork(THIS_FILE, ['--child', String(count)], {
      execArgv: [...process.execArgv, '--expose-gc'],
      env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: Run | undefined;
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`voucher-sheets child (${count}) timed out`));
    }, 180_000);
    child.on('message', (m) => (result = m as Run));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0 && result !== undefined) resolve(result);
      else reject(new Error(`voucher-sheets child (${count}) exited with ${code}`));
    });
  });
}

export interface VoucherSheetsBenchOptions {
  counts?: [small: number, large: number];
  log?: (line: string) => void;
}

export async function runVoucherSheetsBench(opts: VoucherSheetsBenchOptions = {}): Promise<BenchResult> {
  const [small, large] = opts.counts ?? [2000, 10_000];
  const log = opts.log ?? (() => {});
  log(`voucher-sheets: streaming ${small} vouchers…`);
  const a = await inChild(small);
  log(`voucher-sheets: streaming ${large} vouchers…`);
  const b = await inChild(large);

  const row = (r: Run) => ({
    run: `streamVoucherSheets ×${r.count}`,
    pages: r.pages,
    'vouchers/s': r.vouchersPerSec,
    's': r.seconds,
    'out MB': r.outputMB,
    'KB/voucher': round((r.outputMB * 1024) / r.count, 2),
    'Δrss MB': r.rssDeltaMB,
    'Δheap MB': r.heapDeltaMB,
    'Δext MB': r.externalDeltaMB,
    'max loop block ms': r.maxEventLoopDelayMs,
  });
  const maxSeconds = round((TARGET_SECONDS_PER_10K * large) / 10_000, 1);
  const flatLimit = FLAT_FACTOR * Math.max(a.rssDeltaMB, 0) + FLAT_SLACK_MB;
  return {
    name: 'voucher-sheets',
    rows: [row(a), row(b)],
    data: { small: a, large: b },
    targets: [
      target(`time for ${large} vouchers in one PDF (${TARGET_SECONDS_PER_10K} s per 10 000)`, b.seconds, '<=', maxSeconds, 's'),
      target(`flat memory: Δrss ${large} ≤ ${FLAT_FACTOR}×Δrss ${small} + ${FLAT_SLACK_MB} MB`, b.rssDeltaMB, '<=', round(flatLimit), 'MB'),
    ],
    notes: [
      `${VOUCHERS_PER_PAGE} vouchers per A4 page, one vector QR (qrRuns) per voucher; output to a byte-counting Writable.`,
      `Memory: peak minus baseline (after GC) in a fresh process; Δext = external + arrayBuffers (Buffers).`,
      `Memory ${large} vs ${small}: Δrss ${b.rssDeltaMB} vs ${a.rssDeltaMB} MB, Δheap ${b.heapDeltaMB} vs ${a.heapDeltaMB} MB, Δext ${b.externalDeltaMB} vs ${a.externalDeltaMB} MB.`,
    ],
  };
}

const childArg = process.argv.indexOf('--child');
if (childArg !== -1) {
  measure(Number(process.argv[childArg + 1]))
    .then((r) => new Promise<void>((resolve, reject) => process.send!(r, (err: Error | null) => (err ? reject(err) : resolve()))))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
} else if (process.argv[1] === THIS_FILE) {
  // Standalone: tsx bench/voucher-sheets.bench.ts [--quick]
  const quick = process.argv.includes('--quick');
  const r = await runVoucherSheetsBench({ counts: quick ? [500, 2000] : undefined, log: (l) => console.error(l) });
  printBench(r);
  process.exitCode = r.targets.every((t) => t.pass) ? 0 : 1;
}
