import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { formatMoney } from '../../server/lib/money';
import { frenchSpaces } from '../../server/lib/typography';
import { winAnsi } from '../../server/pdf/pdf-output';
import { popplerAvailable } from '../support/poppler';

// Skips only without poppler-utils, with a printed notice; REQUIRE_POPPLER=1 (set by .ci/run)
// makes popplerAvailable() throw instead, so in CI these checks run or fail.
const hasPoppler = popplerAvailable();
if (!hasPoppler && process.env.CI) throw new Error('CI must install poppler-utils (pdftotext)');

/** An uncompressed one-page PDF with `text` in Helvetica (a standard font: WinAnsi) wrapped at `width`. */
function pdf(text: string, width?: number): Promise<Buffer> {
  const doc = new PDFDocument({ compress: false, margin: 20 });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.font('Helvetica').fontSize(12);
  doc.text(text, 20, 20, width ? { width } : {});
  doc.end();
  return done;
}

function lines(bytes: Buffer): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'nbsp-pdf-'));
  try {
    const file = join(dir, 'x.pdf');
    writeFileSync(file, bytes);
    return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('no-break spaces in PDF text (standard fonts, WinAnsi)', () => {
  it('maps the narrow no-break space to the no-break space and keeps that one', () => {
    const amount = formatMoney(123456, 'fr'); // « 1 234,56 € » with U+202F and U+00A0
    expect(amount).toMatch(/[\u202f\u00a0]/);
    expect(winAnsi(amount)).toBe('1\u00a0234,56\u00a0€');
    expect(winAnsi(frenchSpaces('Fin ! Total : 3 %'))).toBe('Fin\u00a0! Total\u00a0: 3\u00a0%');
    expect(winAnsi('a b')).toBe('a b');
  });

  it('pdfkit writes the no-break space as the WinAnsi byte 0xA0', async () => {
    const bytes = await pdf(winAnsi(`Total\u00a0: ${formatMoney(123456, 'fr')}`));
    // Helvetica text is written as hex strings of WinAnsi bytes: « l », 0xA0, « : ».
    expect(bytes.toString('latin1')).toMatch(/6ca03a/);
    expect(bytes.toString('latin1')).toMatch(/31a0323334/); // « 1 », 0xA0, « 234 »
  });

  it.runIf(hasPoppler)('the line breaker does not split an amount or a colon from its word', async () => {
    const doc = new PDFDocument();
    doc.font('Helvetica').fontSize(12);
    const width = doc.widthOfString('Somme versée : 1 234,5');
    const amount = formatMoney(123456, 'fr');
    // With ordinary spaces the line is cut inside the amount; with the mapped ones it is not.
    const plain = lines(await pdf(`Somme versée : ${amount.replace(/[\u202f\u00a0]/g, ' ')}`, width));
    expect(plain.some((l) => l.endsWith('1'))).toBe(true);
    const typeset = lines(await pdf(winAnsi(frenchSpaces(`Somme versée : ${amount}`)), width));
    expect(typeset).toContain('1 234,56 €');
    expect(typeset.some((l) => l.startsWith(':'))).toBe(false);
  });
});
