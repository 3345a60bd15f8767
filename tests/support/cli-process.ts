import { spawn } from 'node:child_process';

export interface CliOutcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** The last stdout line as JSON (the contract's --json line), or null. */
  json: any;
}

/**
 * `npm run -s cli -- …` as a child process, awaited without blocking this process: an
 * in-process stand-in (the fake Stripe server) must keep answering while the CLI runs, and
 * two runs may be started at the same moment. `env` is added to the test environment.
 */
export function runCli(args: string[], env: Record<string, string>): Promise<CliOutcome> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    env: { ...process.env, NODE_ENV: 'test', BASE_URL: 'http://localhost:3000', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) =>
    child.on('close', (status, signal) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      resolve({ status, signal, stderr, json: last.startsWith('{') ? JSON.parse(last) : null });
    }),
  );
}
