/**
 * Printable voucher sheets (8 per A4 page): throughput and memory.
 *
 * Streams N generated vouchers into ONE PDF through the real `streamVoucherSheets` (vector QR,
 * crop marks) into a Writable that only counts bytes. Each measured run happens in a fresh
 * child process (same tsx loader) so RSS figures of the small and large runs are comparable.
 */
import { fileURLToPath } from 'node:url';
import { formatCode, generateCode } from '../server/lib/codes';
import { streamVoucherSheets, VOUCHERS_PER_PAGE, type SheetVoucher, type VoucherSheetsOptions } from '../server/pdf/voucher-sheets';
import { CountingWritable, inChild, measureStream, serveChildJob, type StreamRun } from './stream-measure';
import { printBench, round, target, type BenchResult } from './support';

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

interface Run extends StreamRun {
  count: number;
  pages: number;
  vouchersPerSec: number;
}

async function measure(count: number): Promise<Run> {
  // Warm-up (JIT, font metrics, i18n tables) before the memory baseline.
  await streamVoucherSheets(new CountingWritable(), vouchers(200), OPTS);
  const run = await measureStream((out, sample) => streamVoucherSheets(out, vouchers(count, sample), OPTS));
  return { count, pages: Math.ceil(count / VOUCHERS_PER_PAGE), vouchersPerSec: Math.round(count / run.seconds), ...run };
}

/** One measurement in a fresh process, for memory figures that do not inherit the previous run's heap. */
const inChildProcess = (count: number) => inChild<Run>(THIS_FILE, 'voucher-sheets', count);

export interface VoucherSheetsBenchOptions {
  counts?: [small: number, large: number];
  log?: (line: string) => void;
}

export async function runVoucherSheetsBench(opts: VoucherSheetsBenchOptions = {}): Promise<BenchResult> {
  const [small, large] = opts.counts ?? [2000, 10_000];
  const log = opts.log ?? (() => {});
  log(`voucher-sheets: streaming ${small} vouchers…`);
  const a = await inChildProcess(small);
  log(`voucher-sheets: streaming ${large} vouchers…`);
  const b = await inChildProcess(large);

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

if (!serveChildJob(measure) && process.argv[1] === THIS_FILE) {
  // Standalone: tsx bench/voucher-sheets.bench.ts [--quick]
  const quick = process.argv.includes('--quick');
  const r = await runVoucherSheetsBench({ counts: quick ? [500, 2000] : undefined, log: (l) => console.error(l) });
  printBench(r);
  process.exitCode = r.targets.every((t) => t.pass) ? 0 : 1;
}
