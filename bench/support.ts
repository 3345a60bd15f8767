import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One checked target: `value op threshold`. */
export interface TargetCheck {
  name: string;
  value: number;
  op: '>=' | '<=' | '==';
  threshold: number;
  unit: string;
  pass: boolean;
}

export interface BenchResult {
  name: string;
  /** Rows printed as a table: label → column → value. */
  rows: Record<string, string | number>[];
  /** Free-form figures written to results.json. */
  data: Record<string, unknown>;
  targets: TargetCheck[];
  notes: string[];
  /** Further tables printed after `rows`, each under its title (e.g. one per dataset size). */
  tables?: { title: string; rows: Record<string, string | number>[] }[];
}

export function target(name: string, value: number, op: TargetCheck['op'], threshold: number, unit = ''): TargetCheck {
  const pass = op === '>=' ? value >= threshold : op === '<=' ? value <= threshold : value === threshold;
  return { name, value, op, threshold, unit, pass };
}

export const MB = 1024 * 1024;
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** A plain-text table; numbers right-aligned. */
export function formatTable(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | undefined) => (v === undefined ? '' : typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[], nums: boolean[]) =>
    '| ' + vals.map((v, i) => (nums[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ') + ' |';
  const out = [line(cols, cols.map(() => false)), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|'];
  for (const r of rows) out.push(line(cols.map((c) => cell(r[c])), cols.map((c) => typeof r[c] === 'number')));
  return out.join('\n');
}

export function formatTargets(targets: TargetCheck[]): string {
  return formatTable(
    targets.map((t) => ({
      target: t.name,
      measured: `${round(t.value, 2)}${t.unit ? ' ' + t.unit : ''}`,
      required: `${t.op} ${t.threshold}${t.unit ? ' ' + t.unit : ''}`,
      result: t.pass ? 'PASS' : 'FAIL',
    })),
  );
}

/** A full GC if the runtime allows it (flag set at runtime, so no CLI flag is needed). */
let gcFn: (() => void) | null | undefined;
export function fullGc(): void {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g) gcFn = g;
    else {
      try {
        setFlagsFromString('--expose-gc');
        gcFn = runInNewContext('gc') as () => void;
      } catch {
        gcFn = null;
      }
    }
  }
  gcFn?.();
  gcFn?.();
}

/** Tracks the peaks of rss / heapUsed / external+arrayBuffers; sample() is cheap enough to call often. */
export class MemorySampler {
  readonly baseline: NodeJS.MemoryUsage;
  peakRss: number;
  peakHeap: number;
  peakExternal: number;
  samples = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor() {
    fullGc();
    this.baseline = process.memoryUsage();
    this.peakRss = this.baseline.rss;
    this.peakHeap = this.baseline.heapUsed;
    this.peakExternal = this.baseline.external + this.baseline.arrayBuffers;
  }

  sample(): void {
    const m = process.memoryUsage();
    this.samples++;
    if (m.rss > this.peakRss) this.peakRss = m.rss;
    if (m.heapUsed > this.peakHeap) this.peakHeap = m.heapUsed;
    const ext = m.external + m.arrayBuffers;
    if (ext > this.peakExternal) this.peakExternal = ext;
  }

  /** Also samples on a timer, for the asynchronous parts of a run. */
  start(intervalMs = 10): this {
    this.timer = setInterval(() => this.sample(), intervalMs);
    return this;
  }

  stop(): { rssDeltaMB: number; heapDeltaMB: number; externalDeltaMB: number; baselineRssMB: number; peakRssMB: number; samples: number } {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return {
      baselineRssMB: round(this.baseline.rss / MB),
      peakRssMB: round(this.peakRss / MB),
      rssDeltaMB: round((this.peakRss - this.baseline.rss) / MB),
      heapDeltaMB: round((this.peakHeap - this.baseline.heapUsed) / MB),
      externalDeltaMB: round((this.peakExternal - this.baseline.external - this.baseline.arrayBuffers) / MB),
      samples: this.samples,
    };
  }
}

export function printBench(r: BenchResult, write: (s: string) => void = (s) => process.stdout.write(s + '\n')): void {
  write(`\n## ${r.name}\n`);
  write(formatTable(r.rows));
  for (const t of r.tables ?? []) write(`\n### ${t.title}\n\n${formatTable(t.rows)}`);
  for (const n of r.notes) write(`  • ${n}`);
  write('');
  write(formatTargets(r.targets));
}
