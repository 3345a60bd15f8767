import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { copySqliteToPostgres } from '../../db/copy/copy-database';
import { connectPostgres, migratePostgres } from '../../db/postgres';

/**
 * A throwaway PostgreSQL cluster for one test file: Debian's `postgresql` binaries, initdb in a
 * temp dir, a free TCP port on 127.0.0.1 and a private socket dir (never /var/run/postgresql,
 * which another cluster may own), stopped and deleted afterwards. Root runs the server as the
 * `postgres` user (PostgreSQL refuses root), through `runuser -u postgres --`.
 *
 * Without the binaries the tests skip with a printed notice; REQUIRE_POSTGRES=1 (set by
 * .ci/run, which installs `postgresql`) makes that a failure.
 */
export interface PgCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres — the maintenance database. */
  url: string;
  /** A new empty database on the cluster; its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): void;
}

/** The newest installed major version's bin directory, or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'pg_ctl')));
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(root, newest, 'bin') : null;
}

/** Whether the PostgreSQL pass runs here; throws under REQUIRE_POSTGRES=1 when it cannot. */
export function postgresAvailable(): boolean {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const noRunuser = asRoot && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser');
  const missing = !bin ? 'the postgresql package (initdb, pg_ctl under /usr/lib/postgresql/<v>/bin)' : noRunuser ? 'runuser (util-linux)' : null;
  if (missing && process.env.REQUIRE_POSTGRES === '1') throw new Error(`REQUIRE_POSTGRES=1 but ${missing} is missing`);
  if (missing) console.warn(`[PostgreSQL tests skipped] ${missing} not installed (apt-get install postgresql); REQUIRE_POSTGRES=1 makes this a failure`);
  return !missing;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

type Run = (tool: string, args: string[]) => string;

function runner(bin: string, asRoot: boolean): Run {
  return (tool, args) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };
}

/**
 * A freshly initdb'd data directory, made once per machine and PostgreSQL version, that each
 * cluster copies (initdb takes seconds on a busy machine, a copy a fraction of one). Made in a
 * temp dir and renamed into place, so test files starting together never see half of one.
 * C locale: text sorts byte-wise, as SQLite's BINARY collation does. Trust auth: each cluster
 * listens on loopback only and lives for one test file.
 */
function initdbTemplate(bin: string, run: Run): string {
  const template = join(tmpdir(), `bons-locaux-pg-template-${basename(dirname(bin))}-${process.getuid?.() ?? 0}`);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const work = mkdtempSync(`${template}-`);
  if (process.getuid?.() === 0) chownToPostgres(work);
  run('initdb', ['-D', join(work, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-instructions', '--no-sync']);
  try {
    renameSync(join(work, 'data'), template);
  } catch (error) {
    // Another test file made it first: use theirs.
    if (!existsSync(join(template, 'PG_VERSION'))) throw error;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return template;
}

function chownToPostgres(path: string): void {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(path, uid, gid);
}

/**
 * Starts a cluster (see PgCluster). Call only when postgresAvailable() said yes.
 * `durable`: PostgreSQL's own defaults (fsync, synchronous_commit, full_page_writes on), for
 * a benchmark figure that must stand for a production server; otherwise all three off.
 */
export async function startPostgres(o: { durable?: boolean } = {}): Promise<PgCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'pg-cluster-'));
  const data = join(dir, 'data');
  const socketDir = dir;
  if (asRoot) chownToPostgres(dir);
  const run = runner(bin, asRoot);
  execFileSync('cp', ['-a', initdbTemplate(bin, run), data]);
  // Durability off unless asked: a throwaway cluster (never for production). The free port may be taken
  // between our probe and the server's bind: then try another.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const durability = o.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';
    const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1${durability}`;
    try {
      run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
      break;
    } catch (error) {
      if (attempt < 3) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // A test file that dies before afterAll must not leave a server behind.
  process.once('exit', stop);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    stop,
    createDatabase: async (name) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name}: lower-case letters, digits and _ only`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
  };
}

/**
 * A new database on `cluster` holding what `sqlite` holds: migrated, then filled by
 * copy-database (the operator's own path, which proves its copy). How the fixtures that run
 * on both backends get their PostgreSQL side. The client stays open for the caller's reads.
 */
export async function copiedToNewDatabase(cluster: PgCluster, sqlite: Database.Database, name: string): Promise<{ url: string; client: pg.Client }> {
  const url = await cluster.createDatabase(name);
  const client = await connectPostgres(url);
  await migratePostgres(client);
  const copied = await copySqliteToPostgres(sqlite, client);
  if (!copied.ok) {
    await client.end();
    throw new Error(`copy-database: ${JSON.stringify(copied)}`);
  }
  return { url, client };
}
