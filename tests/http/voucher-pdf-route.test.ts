import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../server/lib/clock';
import { catalogUnits } from '../../server/web/catalog-units';
import { paidVoucher, type BuiltVoucher } from '../support/builders';
import { popplerAvailable } from '../support/poppler';
import { QueryRecorder } from '../support/query-plans';
import { startTestApp, type TestApp } from '../support/test-app';

// Skips only without poppler-utils, with a printed notice; REQUIRE_POPPLER=1 (set by .ci/run)
// makes popplerAvailable() throw instead, so in CI these checks run or fail.
const hasPoppler = popplerAvailable();
let app: TestApp;
let voucher: BuiltVoucher;
const dir = mkdtempSync(join(tmpdir(), 'voucher-pdf-route-'));

beforeAll(async () => {
  // Bought before the app starts: on PostgreSQL the data is prepared on SQLite, then copied.
  app = await startTestApp({
    prepare: async (database) => {
      voucher = await paidVoucher({ database, clock: systemClock }, 3000);
    },
  });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function pdf(query: string): Promise<{ status: number; file: string; disposition: string | null }> {
  const res = await fetch(`${app.url}/v/${voucher.formatted}.pdf${query}`);
  const file = join(dir, `v${query.replace(/\W/g, '_')}.pdf`);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return { status: res.status, file, disposition: res.headers.get('content-disposition') };
}

describe('the voucher PDF route', () => {
  it('offers the A4 document and the A6 card on the voucher page', async () => {
    const html = await (await fetch(`${app.url}/v/${voucher.code}`)).text();
    expect(html).toContain(`href="/v/${voucher.code}.pdf"`);
    expect(html).toContain(`href="/v/${voucher.code}.pdf?format=a6"`);
    expect(html).toContain('Format carte A6');
  });

  it.runIf(hasPoppler)('serves A4 by default and A6 with ?format=a6, both listing the campaign’s shops from the database', async () => {
    const a4 = await pdf('');
    expect(a4.status).toBe(200);
    expect(execFileSync('pdfinfo', [a4.file], { encoding: 'utf8' })).toMatch(/Page size:\s+595\.28 x 841\.89 pts \(A4\)/);
    const a6 = await pdf('?format=a6');
    expect(a6.status).toBe(200);
    expect(a6.disposition).toContain('-a6.pdf');
    const info = execFileSync('pdfinfo', [a6.file], { encoding: 'utf8' });
    expect(info).toMatch(/Page size:\s+297\.64 x 419\.53 pts/);
    expect(info).toMatch(/Tagged:\s+yes/);
    const { shops, total } = await catalogUnits(app)(function* (s) {
      return yield* s.voucherShops((yield* s.campaignBySlug('seine-estuaire'))!.id, 3);
    });
    expect(total).toBeGreaterThan(0);
    for (const file of [a4.file, a6.file]) {
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      expect(text).toMatch(/30,00\s€/);
      expect(text).toContain(voucher.formatted);
      expect(text).toContain(shops[0]!.name);
      expect(text).toContain(`${app.url}/campagnes/seine-estuaire`);
    }
  });

  it('refuses an unknown or repeated format with a 400', async () => {
    expect((await pdf('?format=a5')).status).toBe(400);
    expect((await pdf('?format=a6&format=a4')).status).toBe(400);
  });

  // SQLite's query plans (EXPLAIN QUERY PLAN on the app's own connection): no PostgreSQL counterpart here.
  it.skipIf(process.env.TEST_BACKEND === 'postgres')('reads the shops through indexes: no full read of campaign_merchants or merchants', async () => {
    const recorder = new QueryRecorder(app.database.sqlite).install();
    try {
      const ran = await recorder.during(async () => expect((await pdf('?format=a6')).status).toBe(200));
      const shopQueries = ran.filter((s) => /campaign_merchants/.test(s.sql));
      expect(shopQueries.length).toBeGreaterThan(0);
      expect(shopQueries.flatMap((s) => recorder.fullScans(s, ['campaign_merchants', 'merchants']))).toEqual([]);
    } finally {
      recorder.uninstall();
    }
  });
});
