import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parisDate } from '../../server/lib/paris-time';
import { hasXmllint, validateSepa } from '../support/settlement';

/**
 * The operator's CLI path through finding 6 of issue 12: `settle` holds back a shop whose
 * holder no SEPA file can carry; a batch committed with such a holder (before the check)
 * is completed with `sepa-file` once the shop is fixed, each file confirmed on its own.
 */
let dir: string;
const dbFile = () => join(dir, 'app.db');
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sepa-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args, '--json'], {
    env: { ...process.env, BASE_URL: 'http://localhost:3000', DATABASE_URL: `file:${dbFile()}`, DATA_DIR: dir, NODE_ENV: 'test' },
    encoding: 'utf8',
  });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  return { code: r.status, json: last.startsWith('{') ? JSON.parse(last) : null, stderr: r.stderr };
}

function sql(statement: string, ...args: unknown[]) {
  const db = new Database(dbFile());
  try {
    return db.prepare(statement).run(...args);
  } finally {
    db.close();
  }
}

/** Today in Paris: the CLI runs on the real clock, and the demo redemptions are hours to days old. */
const today = () => parisDate(new Date());

// Each step spawns a CLI process (a few seconds each on a busy machine).
describe('cli settle, sepa-file and sepa-executed', { timeout: 180_000 }, () => {
  let reference = '';

  it('settle holds back the shop whose holder is not Latin, and settles the others', () => {
    expect(cli('migrate').code).toBe(0);
    expect(cli('seed-demo').code).toBe(0);
    sql(`UPDATE merchants SET account_holder = '東京書店' WHERE slug = 'fromagerie-du-marche'`);
    const r = cli('settle', '--until', today());
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.holds).toEqual([expect.objectContaining({ merchant: 'fromagerie-du-marche', reason: 'invalid_holder' })]);
    expect(r.json.batch.statements.length).toBeGreaterThan(1);
    reference = r.json.batch.reference;
    if (hasXmllint) validateSepa(r.json.batch.sepaFile);
  });

  it('completes a committed batch whose file could not carry a statement, once the shop is fixed', () => {
    // The batch as committed before the check: no file recorded, one statement's copy unwritable.
    sql(`DELETE FROM sepa_files`);
    sql(`UPDATE statements SET sepa_file_seq = NULL`);
    rmSync(join(dir, 'settlements'), { recursive: true, force: true });
    sql(`UPDATE statements SET account_holder = 'Ελληνικό Καφέ' WHERE reference = (SELECT s.reference FROM statements s JOIN merchants m ON m.id = s.merchant_id WHERE m.slug = 'bijouterie-falaise')`);
    sql(`UPDATE merchants SET account_holder = 'Ελληνικό Καφέ' WHERE slug = 'bijouterie-falaise'`);

    const run = cli('settle', '--until', today());
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.sepaHeld).toEqual([expect.objectContaining({ batch: reference, merchant: 'bijouterie-falaise', reason: 'invalid_holder' })]);
    expect(run.json.batch.sepaFiles).toEqual([join(dir, 'settlements', `${reference}.xml`)]);
    expect(readFileSync(run.json.batch.sepaFile, 'utf8')).not.toContain('Bijouterie');
    if (hasXmllint) validateSepa(run.json.batch.sepaFile);

    const still = cli('sepa-file', '--batch', reference);
    expect(still).toMatchObject({ code: 1, json: { produced: null, held: [expect.objectContaining({ reason: 'invalid_holder' })] } });

    sql(`UPDATE merchants SET account_holder = 'Bijouterie Falaise' WHERE slug = 'bijouterie-falaise'`);
    const fixed = cli('sepa-file', '--batch', reference);
    expect(fixed).toMatchObject({ code: 0, json: { produced: 2, held: [] } });
    const file2 = join(dir, 'settlements', `${reference}-2.xml`);
    expect(fixed.json.files).toEqual([join(dir, 'settlements', `${reference}.xml`), file2]);
    expect(existsSync(file2)).toBe(true);
    expect(readFileSync(file2, 'utf8')).toContain('<Nm>Bijouterie Falaise</Nm>');
    if (hasXmllint) validateSepa(file2);
  });

  it('sepa-executed asks which file when several wait, and pays only the statements of the one confirmed', () => {
    expect(cli('sepa-executed', '--batch', reference)).toMatchObject({ code: 1, json: { error: { code: 'SEPA_FILE_REQUIRED' } } });
    expect(cli('sepa-executed', '--batch', reference, '--file', 'x').code).toBe(2);
    const first = cli('sepa-executed', '--batch', reference, '--file', '1');
    expect(first).toMatchObject({ code: 0, json: { alreadyExecuted: false } });
    expect(first.json.paid).toBeGreaterThan(0);
    expect(cli('sepa-executed', '--batch', reference)).toMatchObject({ code: 0, json: { alreadyExecuted: false, paid: 1 } });
    expect(cli('sepa-executed', '--batch', reference)).toMatchObject({ code: 0, json: { alreadyExecuted: true } });
    expect(cli('check-ledger')).toMatchObject({ code: 0, json: { ok: true } });
  });
});
