/**
 * HTTP throughput of the real campaign page against a bare Express 5 JSON endpoint.
 *
 * Both servers run in this process on 127.0.0.1; autocannon drives them from a worker
 * thread (its `workers` option) so the load generator does not share the servers' event
 * loop. Each target gets a warm-up run, then a measured run of fixed duration.
 */
import autocannon from 'autocannon';
import express from 'express';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startTestApp } from '../tests/support/test-app';
import { printBench, round, target, type BenchResult } from './support';
import { assertLoopback, ensureNonDevelopmentEnv, failures, figures, listenLoopback, loadRow, msPer, type LoadFigures } from './http-load';

export const TARGET_RATIO = 0.5;
const CAMPAIGN_PATH = '/campagnes/seine-estuaire';
const HEADERS = { 'accept-language': 'fr' };

export interface CampaignPageOptions {
  /** Seconds of measured load per target (default 10). */
  duration?: number;
  /** Seconds of warm-up load per target (default 2). */
  warmup?: number;
  connections?: number;
  log?: (line: string) => void;
}

async function load(url: string, seconds: number, connections: number): Promise<LoadFigures> {
  assertLoopback(url);
  return figures(url, await autocannon({ url, connections, duration: seconds, headers: HEADERS, workers: 1, timeout: 10 }));
}

/** One request outside the load, to fail early (and clearly) if the page is not what we think. */
async function preflight(url: string, expect: (res: Response, body: string) => string | null): Promise<void> {
  const res = await fetch(url, { headers: HEADERS });
  const body = await res.text();
  const problem = expect(res, body);
  if (problem) throw new Error(`preflight ${url}: ${problem} (status ${res.status})`);
}

export async function runCampaignPageBench(opts: CampaignPageOptions = {}): Promise<BenchResult> {
  const duration = opts.duration ?? 10;
  const warmup = opts.warmup ?? 2;
  const connections = opts.connections ?? 50;
  const log = opts.log ?? (() => {});
  ensureNonDevelopmentEnv();

  // (a) bare Express 5
  const bareApp = express();
  bareApp.get('/', (_req, res) => {
    res.json({ ok: true });
  });
  const bareServer = createServer(bareApp);
  const bareUrl = `${await listenLoopback(bareServer)}/`;

  // (b) the real app, fresh SQLite with the demo seed, rate limits relaxed by startTestApp
  const real = await startTestApp();
  try {
    if (real.config.env === 'development') throw new Error('the real app runs with env=development: view cache would be off');
    const realUrl = `${real.url}${CAMPAIGN_PATH}`;

    await preflight(bareUrl, (res, body) => (res.status === 200 && body === '{"ok":true}' ? null : `unexpected body ${body.slice(0, 80)}`));
    await preflight(realUrl, (res, body) =>
      res.status !== 200
        ? 'not 200'
        : !res.headers.get('content-type')?.startsWith('text/html')
          ? `content-type ${res.headers.get('content-type')}`
          : !body.includes('Seine Estuaire') || !body.includes('lang="fr"')
            ? 'page does not look like the French campaign page'
            : null,
    );

    log(`campaign-page: bare Express ${bareUrl} — warm-up ${warmup}s, measure ${duration}s, ${connections} connections`);
    await load(bareUrl, warmup, connections);
    const bare = await load(bareUrl, duration, connections);
    log(`campaign-page: real app ${realUrl} — warm-up ${warmup}s, measure ${duration}s, ${connections} connections`);
    await load(realUrl, warmup, connections);
    const page = await load(realUrl, duration, connections);

    // Diagnostic only: the real app's middleware stack without the page (JSON /healthz), to split the gap.
    const healthUrl = `${real.url}/healthz`;
    log(`campaign-page: diagnostic, real app ${healthUrl} — warm-up 1s, measure ${Math.min(5, duration)}s`);
    await load(healthUrl, 1, connections);
    const health = await load(healthUrl, Math.min(5, duration), connections);

    const ratio = bare.rps > 0 ? page.rps / bare.rps : 0;
    const row = (label: string, f: LoadFigures) => loadRow(label, f, true);
    return {
      name: 'campaign-page',
      rows: [row('bare Express GET / (JSON)', bare), row(`real app GET ${CAMPAIGN_PATH}`, page), row('diagnostic: real app GET /healthz (JSON)', health)],
      data: { duration, warmup, connections, bare, page, healthz: health, ratio: round(ratio, 3), nodeEnv: process.env.NODE_ENV, appEnv: real.config.env },
      targets: [
        target('real/bare req/s ratio', round(ratio, 3), '>=', TARGET_RATIO),
        target('bare: non-2xx + errors + timeouts', failures(bare), '==', 0),
        target('real: non-2xx + errors + timeouts', failures(page), '==', 0),
        target('real: 2xx responses', page.requests - page.non2xx, '>=', 1),
      ],
      notes: [
        `ratio real/bare = ${page.rps} / ${bare.rps} = ${round(ratio, 3)}; req/s counts 2xx responses only.`,
        `Time per request on the server's single thread (1 / req/s): bare ${msPer(bare.rps)} ms; real app middleware stack alone (/healthz) ${msPer(health.rps)} ms; ` +
          `campaign page ${msPer(page.rps)} ms (page work ≈ ${round(msPer(page.rps) - msPer(health.rps), 3)} ms). The 0.5 target allows ${round(2 * msPer(bare.rps), 3)} ms.`,
        `NODE_ENV=${process.env.NODE_ENV}, app config env=${real.config.env} (view cache on); ${connections} connections, load generator in a worker thread.`,
      ],
    };
  } finally {
    bareServer.closeAllConnections();
    await new Promise<void>((resolve) => bareServer.close(() => resolve()));
    await real.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runCampaignPageBench({ log: (l) => console.error(l) });
  printBench(r);
  process.exitCode = r.targets.every((t) => t.pass) ? 0 : 1;
}
