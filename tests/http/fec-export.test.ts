import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parisDate } from '../../server/lib/paris-time';
import { rowOf, rowsOf } from '../support/backend-query';
import { expireOn } from '../support/builders-on';
import { buyVouchersOn } from '../support/builders';
import { merchantIdOn, settle as settleOn, take as takeOn, voidOn } from '../support/settlement';
import { checkFec, type FecRecord } from '../support/fec-checker';
import { DEMO_VIEWER_EMAIL, operatorClient } from '../support/operator';
import { fixedClock, startTestApp, type FormClient, type TestApp } from '../support/test-app';

/**
 * The FEC as the tax administration receives it (LPF art. A47 A-1, issue 12 finding 7),
 * from the operator's reports page and from the CLI, checked by tests/support/fec-checker.ts
 * (written from the official text, independent of the exporter) on a realistic year: card
 * sales, redemptions in two shops, a void, a settlement, a redemption in February, expiry.
 */
const clock = fixedClock('2026-01-05T09:00:00Z');
const SIREN = '732829320'; // the demo operator's (OPERATOR_SIRET 73282932000074)
let app: TestApp;
let viewer: FormClient;
let february: { journalId: string };

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    // The app's database: its SQLite file, or the PostgreSQL database it runs on.
    env: { ...process.env, NODE_ENV: 'test', BASE_URL: 'http://localhost:3000', DATABASE_URL: app.pg ? app.pg.pool.options.connectionString! : `file:${join(app.dataDir, 'app.db')}`, DATA_DIR: app.dataDir },
    encoding: 'utf8',
  });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  return { code: r.status, stderr: r.stderr, json: last.startsWith('{') ? JSON.parse(last) : null };
}

/** The file's bytes and its Content-Disposition file name. */
async function download(path: string): Promise<{ status: number; bytes: Buffer; fileName: string | null; type: string | null }> {
  // A CLI run (seconds) can outlast the server's keep-alive: a reused socket may be reset once.
  const res = await viewer.request(path).catch(() => viewer.request(path));
  if (res.status !== 200 && res.status !== 400) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  const fileName = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? null;
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), fileName, type: res.headers.get('content-type') };
}

/** The EcritureNum of the entry with this PieceRef (a redemption's is its journal id, cut to 18), as the checker reads the file. */
const numberOf = (records: FecRecord[], pieceRef: string): string => {
  const found = new Set(records.filter((r) => r.fields.PieceRef === pieceRef).map((r) => `${r.fields.JournalCode} ${r.fields.EcritureNum}`));
  expect([...found], pieceRef).toHaveLength(1);
  return [...found][0]!;
};

beforeAll(async () => {
  app = await startTestApp({ clock });
  const seine = await buyVouchersOn(app, { amountCents: 50_00, quantity: 3 });
  const noel = await buyVouchersOn(app, { amountCents: 20_00, quantity: 2, campaign: 'noel-fecamp' });
  const galerne = await merchantIdOn(app, 'librairie-la-galerne');
  const bijouterie = await merchantIdOn(app, 'bijouterie-falaise');
  await takeOn(app, galerne, seine[0]!.code, 31_40);
  await takeOn(app, bijouterie, noel[0]!.code, 20_00);
  const voided = await takeOn(app, bijouterie, seine[1]!.code, 7_77);
  await voidOn(app, { merchantId: bijouterie, actor: 'test', redemptionId: voided.redemption.id });
  clock.advance(3600_000);
  await settleOn(app, parisDate(clock.now()));
  clock.advance(31 * 86_400_000); // February 2026
  february = await takeOn(app, galerne, seine[2]!.code, 1_11).then((r) => ({ journalId: r.redemption.journalId }));
  clock.advance(2 * 366 * 86_400_000); // past every validity
  await expireOn(app);
  viewer = await operatorClient(app.url, DEMO_VIEWER_EMAIL); // signed in now: a session does not last two years
}, 60_000);
afterAll(() => app?.close());

// CLI runs start a process each (several seconds on a loaded machine).
describe('FEC export', { timeout: 90_000 }, () => {
  it('numbers each entry once, at posting: the same EcritureNum in a full and a --from export (HTTP and CLI)', async () => {
    const piece = february.journalId.slice(0, 18);
    const full = checkFec((await download('/operateur/rapports/fec.txt')).bytes).records;
    const fromFeb = checkFec((await download('/operateur/rapports/fec.txt?from=2026-02-01')).bytes).records;
    expect(numberOf(fromFeb, piece)).toBe(numberOf(full, piece));
    const stored = (await rowOf<{ n: string }>(app, `SELECT journal_code || ' ' || entry_number AS n FROM journals WHERE id = @id`, { id: february.journalId }))!.n;
    expect(numberOf(full, piece)).toBe(stored);
    expect(stored).toMatch(/^EN [2-9]/); // January's redemptions came first in this journal

    const dir = join(app.dataDir, 'fec-cli');
    mkdirSync(dir, { recursive: true });
    const all = cli(['export-fec', '--out', dir, '--to', '2028-12-31', '--json']);
    expect(all.code, all.stderr).toBe(0);
    const partial = cli(['export-fec', '--out', join(dir, 'fevrier.txt'), '--from', '2026-02-01', '--to', '2026-02-28', '--json']);
    expect(partial.code, partial.stderr).toBe(0);
    expect(numberOf(checkFec(readFileSync(all.json.file)).records, piece)).toBe(stored);
    expect(numberOf(checkFec(readFileSync(partial.json.file)).records, piece)).toBe(stored);
  });

  it('passes the checker written from A47 A-1: the whole books, a month, from the page and the CLI', async () => {
    const whole = await download('/operateur/rapports/fec.txt?to=2028-12-31');
    const r = checkFec(whole.bytes, { fileName: whole.fileName!, fullYear: true });
    expect(r.violations).toEqual([]);
    const journals = (await rowOf<{ n: number }>(app, 'SELECT COUNT(*) AS n FROM journal_lines'))!.n;
    expect(r.records).toHaveLength(journals);
    expect(new Set(r.records.map((x) => x.fields.JournalCode))).toEqual(new Set(['VT', 'EN', 'RG', 'OD']));

    const january = await download('/operateur/rapports/fec.txt?from=2026-01-01&to=2026-01-31');
    const jan = checkFec(january.bytes, { fileName: january.fileName!, period: { from: '20260101', to: '20260131' } });
    expect(jan.violations).toEqual([]);
    expect(jan.records.length).toBeLessThan(r.records.length);

    const dir = join(app.dataDir, 'fec-cli-2');
    mkdirSync(dir, { recursive: true });
    expect(cli(['export-fec', '--out', dir, '--from', '2026-02-01', '--to', '2026-02-28']).code).toBe(0);
    const [name] = readdirSync(dir);
    expect(checkFec(readFileSync(join(dir, name!)), { fileName: name, period: { from: '20260201', to: '20260228' } }).violations).toEqual([]);
  });

  it('is ISO 8859-15 by default: no UTF-8 sequence, € and accents as single bytes; UTF-8 on request', async () => {
    const latin = await download('/operateur/rapports/fec.txt');
    expect(latin.type).toBe('text/plain; charset=iso-8859-15');
    const r = checkFec(latin.bytes);
    expect(r.encoding).toBe('iso-8859-15');
    expect(r.violations).toEqual([]);
    expect(latin.bytes.includes(Buffer.from('1,11 \xa4', 'latin1'))).toBe(true); // € is 0xA4 in ISO 8859-15
    expect(latin.bytes.includes(Buffer.from('Bons expir\xe9s', 'latin1'))).toBe(true); // é is 0xE9
    expect(latin.bytes.includes(Buffer.from('€', 'utf8'))).toBe(false);
    expect(latin.bytes.includes(Buffer.from('é', 'utf8'))).toBe(false);

    const utf8 = await download('/operateur/rapports/fec.txt?encoding=utf-8');
    expect(utf8.type).toBe('text/plain; charset=utf-8');
    expect(utf8.bytes.toString('utf8')).toContain('1,11 €');
    expect(checkFec(utf8.bytes).violations.map((v) => v.rule)).toContain('ENCODING'); // allowed as an option, not by A47 A-1

    const bad = await download('/operateur/rapports/fec.txt?encoding=latin1');
    expect(bad.status).toBe(400);
    expect(bad.bytes.toString('utf8')).toContain('Jeu de caractères inconnu');
    const cliBad = cli(['export-fec', '--out', join(app.dataDir, 'x.txt'), '--encoding', 'ebcdic']);
    expect(cliBad.code).toBe(2);
  });

  it('labels entries, journals and accounts in French', async () => {
    const { records } = checkFec((await download('/operateur/rapports/fec.txt')).bytes);
    const labels = new Set(records.map((x) => x.fields.EcritureLib!));
    const all = [...labels].join('\n');
    for (const english of [/\bOrder\b/, /\bpaid\b/, /Redemption/, /\bVoid\b/, /Statement/, /Breakage/, /\bvoucher/i]) expect(all).not.toMatch(english);
    expect(all).toMatch(/^Vente de bons, commande \S+ payée \(/m);
    expect(all).toMatch(/^Encaissement de 31,40 € sur le bon /m);
    expect(all).toMatch(/^Annulation de l'encaissement n° \d+ \(7,77 €\)$/m);
    expect(all).toMatch(/^Relevé \S+ \(/m);
    expect(all).toMatch(/^Bons expirés : \d+ bons? de la campagne seine-estuaire, /m);
    expect(new Set(records.map((x) => x.fields.JournalLib))).toEqual(new Set(['Ventes de bons', 'Encaissements en commerce', 'Règlements aux commerçants', 'Opérations diverses']));
    expect(records.map((x) => x.fields.CompteLib)).toContain("Bons d'achat en circulation");
  });

  it('names the download <SIREN>FEC<AAAAMMJJ>.txt with the closing date of the period', async () => {
    expect((await download('/operateur/rapports/fec.txt?from=2026-01-01&to=2026-01-31')).fileName).toBe(`${SIREN}FEC20260131.txt`);
    // No end date: the period runs up to today (the test clock's Paris date).
    expect((await download('/operateur/rapports/fec.txt')).fileName).toBe(`${SIREN}FEC${parisDate(clock.now()).replace(/-/g, '')}.txt`);
    const dir = join(app.dataDir, 'fec-cli-3');
    mkdirSync(dir, { recursive: true });
    const r = cli(['export-fec', '--out', dir, '--to', '2026-12-31', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual([`${SIREN}FEC20261231.txt`]);
  });

  it('keeps numbers in the database: continuous per journal, unique, never rewritten, never missing', async () => {
    // A burst at the till, committed together (group commit), some refused: refused ones take no number.
    const [v] = await buyVouchersOn(app, { amountCents: 10_00, quantity: 1 });
    const galerne = await merchantIdOn(app, 'librairie-la-galerne');
    const burst = await Promise.allSettled(Array.from({ length: 12 }, () => takeOn(app, galerne, v!.code, 3_00)));
    expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const gaps = await rowsOf<{ n: number; last: number; counter: number }>(app, `SELECT journal_code, COUNT(*) AS n, MAX(entry_number) AS last, (SELECT last_number FROM journal_counters c WHERE c.journal_code = j.journal_code) AS counter
      FROM journals j GROUP BY journal_code`);
    for (const g of gaps) expect([g.last, g.counter]).toEqual([g.n, g.n]);
    // The database's own guards (triggers and a unique index on both backends), whatever the code does.
    await expect(rowsOf(app, `INSERT INTO journals (id, kind, description, created_at) VALUES ('x', 'redemption', 'no number', '2026-01-01T00:00:00Z')`)).rejects.toThrow(/entry_number must come from journal_counters/);
    await expect(rowsOf(app, `INSERT INTO journals (id, kind, description, created_at, journal_code, entry_number) VALUES ('y', 'redemption', 'twice', '2026-01-01T00:00:00Z', 'EN', 1)`)).rejects.toThrow(/UNIQUE constraint failed|duplicate key value violates unique constraint/);
    await expect(rowsOf(app, `UPDATE journals SET entry_number = entry_number + 1000 WHERE journal_code = 'OD'`)).rejects.toThrow(/never change/);
  });
});
