import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { generateCode } from '../../server/lib/codes';
import { streamVoucherPdf } from '../../server/pdf/voucher-pdf';
import { popplerAvailable } from '../support/poppler';

const hasPoppler = popplerAvailable(); // skipped with a notice without poppler-utils; mandatory under REQUIRE_POPPLER=1 (CI)
if (!hasPoppler && process.env.CI) throw new Error('CI must install poppler-utils (pdftoppm)');

describe.runIf(hasPoppler)('voucher PDF', () => {
  it('prints one A4 page per voucher with a vector QR code that decodes to the voucher URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voucher-pdf-'));
    try {
      const vouchers = [0, 1, 2].map((i) => ({ code: generateCode(), amountCents: 2000 + i * 1000, balanceCents: 2000 + i * 1000, expiresAt: '2027-11-23T22:59:59.999Z', recipientName: i === 0 ? 'Léa Dupré' : null, message: i === 0 ? 'Joyeux Noël !' : null }));
      const file = join(dir, 'v.pdf');
      await streamVoucherPdf(createWriteStream(file), vouchers, { baseUrl: 'https://bons.example.fr', locale: 'fr', campaignName: 'Chèques cadeaux Seine Estuaire', operatorName: 'CCI Seine Estuaire', demo: false });
      const info = execFileSync('pdfinfo', [file]).toString();
      expect(info).toMatch(/Pages:\s+3/);
      expect(info).toMatch(/Page size:\s+595\.28 x 841\.89 pts \(A4\)/);
      // Vector QR: no image XObjects in the file.
      expect(execFileSync('pdfimages', ['-list', file]).toString().trim().split('\n')).toHaveLength(2);
      const text = execFileSync('pdftotext', ['-layout', '-f', '1', '-l', '1', file, '-']).toString();
      expect(text).toMatch(/20,00 €/);
      expect(text).toContain('Léa Dupré');
      expect(text).toContain('Joyeux Noël !');
      expect(text).toContain('usages multiples');
      expect(text).toContain(vouchers[0]!.code.match(/.{4}/g)!.slice(0, 2).join('-'));

      execFileSync('pdftoppm', ['-png', '-r', '100', '-f', '2', '-l', '2', file, join(dir, 'page')]);
      const png = PNG.sync.read(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.png'))!)));
      const qr = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
      expect(qr?.data).toBe(`https://bons.example.fr/v/${vouchers[1]!.code}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
