/**
 * The suite's PostgreSQL pass (`npm test` runs it after the SQLite pass): the HTTP test files
 * of the areas that run on PostgreSQL (docs/architecture.md, « The app on PostgreSQL: what runs
 * where »), run again with TEST_BACKEND=postgres — every test app of those files then runs on a
 * PostgreSQL database copied from the data the test built (tests/support/test-app.ts). A file
 * joins the list when its area is ported; the list is the one place that says which.
 *
 * Without PostgreSQL's binaries the pass is skipped with a notice (npm test still passes on
 * SQLite); REQUIRE_POSTGRES=1 (set by .ci/run) makes that a failure.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { postgresAvailable } from '../support/postgres';

const files = readFileSync(new URL('./files.txt', import.meta.url), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

if (!postgresAvailable()) {
  console.log('\n  PostgreSQL pass SKIPPED: no PostgreSQL binaries under /usr/lib/postgresql (install the `postgresql` package; REQUIRE_POSTGRES=1 makes this a failure)\n');
  process.exit(0);
}
console.log(`\n  PostgreSQL pass: ${files.length} test files with TEST_BACKEND=postgres\n`);
const run = spawnSync('npx', ['vitest', 'run', ...files], { stdio: 'inherit', env: { ...process.env, TEST_BACKEND: 'postgres' } });
process.exit(run.status ?? 1);
