import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { formatCode, generateCode } from '../../server/lib/codes';
import { cardBox, streamVoucherSheets, VOUCHERS_PER_PAGE, type SheetVoucher } from '../../server/pdf/voucher-sheets';
import { popplerAvailable } from '../support/poppler';

const hasPoppler = popplerAvailable(); // skipped with a notice without poppler-utils; mandatory under REQUIRE_POPPLER=1 (CI)
if (!hasPoppler && process.env.CI) throw new Error('CI must install poppler-utils (pdftoppm)');

const BASE_URL = 'https://bons.example.fr';
const DPI = 150;
const NAMES = ['Léa Dupré', 'Jean Martin', null, 'Zoé Lefèvre'];

function makeVouchers(count: number): SheetVoucher[] {
  return Array.from({ length: count }, (_, i) => {
    const code = generateCode();
    return {
      code,
      formatted: formatCode(code),
      amountCents: [1000, 2000, 5000, 2550][i % 4]!,
      expiresAt: '2027-12-31T22:59:59.999Z', // 31 December in Paris, 23:59
      recipientName: NAMES[i % NAMES.length]!,
      campaignName: 'Noël des aînés — Ville du Havre',
      message: i === 0 ? 'Joyeuses fêtes !' : null,
    };
  });
}

/** The QR code found inside card `slot` of a page rendered at DPI, and its printed width in mm. */
function scanCard(page: PNG, slot: number): { data: string; widthMm: number } | null {
  const k = DPI / 72;
  const box = cardBox(slot);
  const [x0, y0] = [Math.floor(box.x * k), Math.floor(box.y * k)];
  const [w, h] = [Math.ceil(box.w * k), Math.ceil(box.h * k)];
  const crop = new PNG({ width: w, height: h });
  PNG.bitblt(page, crop, x0, y0, w, h, 0, 0);
  const qr = jsQR(new Uint8ClampedArray(crop.data.buffer, crop.data.byteOffset, crop.data.length), w, h);
  return qr && { data: qr.data, widthMm: ((qr.location.topRightCorner.x - qr.location.topLeftCorner.x) / DPI) * 25.4 };
}

const decodeCard = (page: PNG, slot: number) => scanCard(page, slot)?.data;

function renderPage(file: string, page: number, dir: string): PNG {
  const prefix = join(dir, `page-${page}`);
  execFileSync('pdftoppm', ['-png', '-r', String(DPI), '-f', String(page), '-l', String(page), '-singlefile', file, prefix]);
  return PNG.sync.read(readFileSync(`${prefix}.png`));
}

const pageCount = (file: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file]).toString())?.[1]);

async function* counted<T>(items: T[], pulled: { n: number }): AsyncGenerator<T> {
  for (const item of items) {
    pulled.n++;
    yield item;
  }
}

describe.runIf(hasPoppler)('voucher sheets PDF', () => {
  it('prints 8 cards per A4 page, each with a QR code decoding to its own voucher URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voucher-sheets-'));
    try {
      const vouchers = makeVouchers(10);
      const file = join(dir, 'sheets.pdf');
      await streamVoucherSheets(createWriteStream(file), vouchers, { baseUrl: BASE_URL, locale: 'fr', title: 'Noël des aînés 2026', eventLabel: 'Noël 2026', orderReference: 'CMD-42' });
      const info = execFileSync('pdfinfo', [file]).toString();
      expect(info).toMatch(/Pages:\s+2/);
      expect(info).toMatch(/Page size:\s+595\.28 x 841\.89 pts \(A4\)/);

      const page1 = renderPage(file, 1, dir);
      for (let slot = 0; slot < VOUCHERS_PER_PAGE; slot++) expect(decodeCard(page1, slot), `page 1 card ${slot}`).toBe(`${BASE_URL}/v/${vouchers[slot]!.code}`);
      expect(scanCard(page1, 0)!.widthMm).toBeGreaterThanOrEqual(30); // scannable from paper
      const page2 = renderPage(file, 2, dir);
      expect(decodeCard(page2, 0)).toBe(`${BASE_URL}/v/${vouchers[8]!.code}`);
      expect(decodeCard(page2, 1)).toBe(`${BASE_URL}/v/${vouchers[9]!.code}`);
      expect(decodeCard(page2, 2)).toBeUndefined(); // the rest of the last page stays blank

      const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
      for (const v of vouchers) expect(text).toContain(v.formatted);
      for (const name of ['Léa Dupré', 'Jean Martin', 'Zoé Lefèvre']) expect(text).toContain(`Bénéficiaire : ${name}`);
      for (const amount of ['10,00 €', '20,00 €', '50,00 €', '25,50 €']) expect(text).toContain(amount);
      expect(text.match(/Noël 2026/g)).toHaveLength(10);
      expect(text).toContain('31 décembre 2027');
      expect(text).toContain('Valable chez les commerçants partenaires — liste sur bons.example.fr');
      expect(text).toContain('Noël des aînés 2026 — Commande CMD-42 — Page 2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('speaks English when asked, without the optional event label', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voucher-sheets-'));
    try {
      const file = join(dir, 'en.pdf');
      await streamVoucherSheets(createWriteStream(file), makeVouchers(1), { baseUrl: BASE_URL, locale: 'en' });
      const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
      expect(text).toContain('€10.00');
      expect(text).toContain('Beneficiary: Léa Dupré');
      expect(text).toContain('31 December 2027');
      expect(text).toContain('Valid at partner shops — list on bons.example.fr');
      expect(text).not.toContain('Noël 2026');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops pulling vouchers while a consumer stalls, then completes a valid PDF for a slow one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voucher-sheets-'));
    try {
      const total = 100 * VOUCHERS_PER_PAGE; // ≈ 0.9 MB of PDF, far more than the 256 KB buffer allowed
      const vouchers = makeVouchers(total);
      const pulled = { n: 0 };
      const chunks: Buffer[] = [];
      let open = false;
      const pending: (() => void)[] = [];
      // Holds every write until `open`, then acknowledges each batch a millisecond later
      // (writev batches pdfkit's many small chunks, so the test does not take one timer per line).
      const later = (cb: () => void) => (open ? setTimeout(cb, 1) : pending.push(() => setTimeout(cb, 1)));
      const slow = new Writable({
        highWaterMark: 16 * 1024,
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk);
          later(cb);
        },
        writev(batch, cb) {
          for (const { chunk } of batch) chunks.push(chunk as Buffer);
          later(cb);
        },
      });
      const done = streamVoucherSheets(slow, counted(vouchers, pulled), { baseUrl: BASE_URL, locale: 'fr' });

      // Production must come to a halt well before the end of the source (drawing speed varies).
      let whileStalled = -1;
      for (let i = 0; i < 50 && pulled.n !== whileStalled; i++) {
        whileStalled = pulled.n;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(pulled.n).toBe(whileStalled);
      expect(whileStalled).toBeGreaterThan(0);
      expect(whileStalled).toBeLessThan(total / 2);

      open = true;
      for (const release of pending.splice(0)) release();
      await done;
      expect(pulled.n).toBe(total);

      const file = join(dir, 'slow.pdf');
      writeFileSync(file, Buffer.concat(chunks));
      expect(pageCount(file)).toBe(100);
      const last = execFileSync('pdftotext', ['-f', '100', '-l', '100', file, '-']).toString();
      expect(last).toContain(vouchers[total - 1]!.formatted);
      expect(decodeCard(renderPage(file, 100, dir), 7)).toBe(`${BASE_URL}/v/${vouchers[total - 1]!.code}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops drawing when the consumer goes away', async () => {
    const pulled = { n: 0 };
    const out = new Writable({ write: (_c, _e, cb) => setTimeout(cb, 1) });
    const done = streamVoucherSheets(out, counted(makeVouchers(400), pulled), { baseUrl: BASE_URL, locale: 'fr' });
    await new Promise((r) => setTimeout(r, 50));
    out.destroy();
    await done;
    expect(pulled.n).toBeLessThan(400);
  });

  it('rejects when the output fails, and stops pulling vouchers', async () => {
    const pulled = { n: 0 };
    let writes = 0;
    const out = new Writable({ write: (_c, _e, cb) => setImmediate(() => cb(++writes > 20 ? new Error('disk full') : null)) });
    await expect(streamVoucherSheets(out, counted(makeVouchers(800), pulled), { baseUrl: BASE_URL, locale: 'fr' })).rejects.toThrow('disk full');
    expect(pulled.n).toBeLessThan(800);
  });
});
