import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * A real server process (npm start's entry point, server/main.ts) on a free loopback
 * port — for tests where two processes share one SQLite file.
 */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * The environment for a child server: Vitest puts BASE_URL=/ (Vite's base path) in
 * process.env, which is not ours to pass on.
 */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, BASE_URL: 'http://127.0.0.1', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...extra };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function waitHealthy(p: ServerProcess, timeoutMs: number) {
  for (let i = 0; i < timeoutMs / 100; i++) {
    if (p.child.exitCode !== null) throw new Error(`server exited: ${p.output()}`);
    try {
      if ((await fetch(`${p.url}/healthz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start: ${p.output()}`);
}

/** `timeoutMs`: how long it may take to answer /healthz (a first start seeds the demo). */
export async function startServerProcess(env: NodeJS.ProcessEnv, opts: { timeoutMs?: number } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env: { ...env, PORT: String(port), BASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const p: ServerProcess = {
    url,
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
  await waitHealthy(p, opts.timeoutMs ?? 30_000);
  return p;
}
