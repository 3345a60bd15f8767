/**
 * Where a PostgreSQL benchmark's time goes, in figures that survive a busy machine:
 * - what the server's client backends are doing, sampled from pg_stat_activity every few ms
 *   (running, idle between statements of a transaction — i.e. waiting for the app —, waiting
 *   on a row lock, on the WAL, …): a share per state over the run;
 * - the CPU time the processes used (/proc/<pid>/stat, user + system), so that a figure per
 *   request can be compared across runs even when other work slows the clock down.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { round } from './support';

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds of a process so far (0 if it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

export interface Observation {
  /** Share of samples per backend state, e.g. `Lock:transactionid` or `active (cpu)`. */
  states: Record<string, number>;
  samples: number;
  /** CPU seconds the server's backends used during the run. */
  serverCpu: number;
}

/** Samples the cluster's client backends until `stop()`. */
export async function observePostgres(url: string, everyMs = 5): Promise<{ stop(): Promise<Observation> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const states = new Map<string, number>();
  const pids = new Map<number, number>();
  // The last CPU reading of each backend: a pooled connection closed during the run (idle
  // timeout) is gone from /proc at the end, but its CPU until then counts.
  const latest = new Map<number, number>();
  let samples = 0;
  let running = true;
  const sql = `SELECT pid, state, wait_event_type AS type, wait_event AS event FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ pid: number; state: string; type: string | null; event: string | null }>(sql);
      samples += rows.length;
      for (const r of rows) {
        const now = cpuSeconds(r.pid);
        if (!pids.has(r.pid)) pids.set(r.pid, now);
        latest.set(r.pid, now);
        const key = r.type && r.type !== 'Client' ? `${r.type}:${r.event}` : r.state === 'active' ? 'active (cpu)' : r.state;
        states.set(key, (states.get(key) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      let serverCpu = 0;
      for (const [pid, at] of pids) serverCpu += Math.max(cpuSeconds(pid), latest.get(pid) ?? 0) - at;
      const shares = Object.fromEntries([...states].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, round(n / Math.max(samples, 1), 3)]));
      return { states: shares, samples, serverCpu: round(serverCpu, 2) };
    },
  };
}
