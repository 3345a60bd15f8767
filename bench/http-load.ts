import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type autocannon from 'autocannon';
import { round } from './support';

/** What one autocannon run tells us, in the form every HTTP benchmark reports. */
export interface LoadFigures {
  url: string;
  requests: number;
  ok: number;
  rps: number;
  p50: number;
  p975: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  throughputMBps: number;
}

/** The app disables its template cache in development, which is not what we measure. */
export function ensureNonDevelopmentEnv(): void {
  if (process.env.NODE_ENV !== 'test' && process.env.NODE_ENV !== 'production') process.env.NODE_ENV = 'production';
}

export async function listenLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Load is only ever sent to this machine. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== '::1' && host !== '[::1]' && host !== 'localhost') throw new Error(`refusing to load a non-loopback address: ${url}`);
}

/** req/s counts 2xx answers only, so errors never flatter the figure. */
export function figures(url: string, r: autocannon.Result): LoadFigures {
  return {
    url,
    requests: r['1xx'] + r['2xx'] + r['3xx'] + r['4xx'] + r['5xx'],
    ok: r['2xx'],
    rps: Math.round(r['2xx'] / r.duration),
    p50: r.latency.p50,
    p975: r.latency.p97_5,
    p99: r.latency.p99,
    max: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])),
    throughputMBps: round(r.throughput.average / 1024 / 1024, 2),
  };
}

/** Milliseconds of the server's single thread per request. */
export const msPer = (rps: number) => (rps > 0 ? round(1000 / rps, 3) : Number.NaN);

export const failures = (f: LoadFigures) => f.non2xx + f.errors + f.timeouts;

export function loadRow(label: string, f: LoadFigures, withThroughput = false): Record<string, string | number> {
  return {
    target: label,
    'req/s': f.rps,
    requests: f.requests,
    'p50 ms': f.p50,
    'p97.5 ms': f.p975,
    'p99 ms': f.p99,
    'max ms': f.max,
    ...(withThroughput ? { 'MB/s': f.throughputMBps } : {}),
    'non-2xx': f.non2xx,
    errors: f.errors,
  };
}
