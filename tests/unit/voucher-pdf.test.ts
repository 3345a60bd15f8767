import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { formatCode, generateCode } from '../../server/lib/codes';
import { DEFAULT_PDF_BRAND, type PdfBrand } from '../../server/pdf/pdf-brand';
import { streamVoucherPdf, type VoucherPdfContext, type VoucherSheet } from '../../server/pdf/voucher-pdf';
import { popplerAvailable } from '../support/poppler';

const hasPoppler = popplerAvailable(); // skipped with a notice without poppler-utils; mandatory under REQUIRE_POPPLER=1 (CI)
if (!hasPoppler && process.env.CI) throw new Error('CI must install poppler-utils (pdftoppm)');

const dir = mkdtempSync(join(tmpdir(), 'voucher-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SHOPS = Array.from({ length: 40 }, (_, i) => ({ name: `Épicerie n°${i + 1}`, category: 'Épicerie fine', address: `${i + 1} rue de Paris`, postalCode: '76600', city: 'Le Havre' }));
SHOPS[0] = { name: 'Librairie La Galerne', category: 'Librairie', address: '148 rue de Paris', postalCode: '76600', city: 'Le Havre' };

function context(over: Partial<VoucherPdfContext> = {}): VoucherPdfContext {
  return {
    baseUrl: 'https://bons.example.fr',
    locale: 'fr',
    campaignName: 'Chèques cadeaux Seine Estuaire',
    operatorName: 'CCI Seine Estuaire',
    demo: false,
    brand: DEFAULT_PDF_BRAND,
    printedAt: new Date('2026-12-07T10:00:00Z'),
    shops: { shops: SHOPS, total: 57, directoryUrl: 'https://bons.example.fr/campagnes/seine-estuaire' },
    ...over,
  };
}

const gift = (over: Partial<VoucherSheet> = {}): VoucherSheet => ({
  code: generateCode(),
  amountCents: 5000,
  balanceCents: 3250,
  expiresAt: '2027-11-23T22:59:59.999Z',
  recipientName: 'Léa Dupré',
  message: 'Joyeux Noël ! Avec toute notre affection.',
  ...over,
});

async function write(name: string, vouchers: VoucherSheet[], ctx: VoucherPdfContext): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  await streamVoucherPdf(createWriteStream(file), vouchers, ctx);
  return file;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });

/** Renders one page with pdftoppm and decodes every QR code on it with jsQR (which finds one at a time: each found code is painted white before the next search). */
function decodeQrs(file: string, page: number): string[] {
  const prefix = join(dir, `${file.split('/').pop()}-p${page}`);
  run('pdftoppm', ['-png', '-r', '150', '-f', String(page), '-l', String(page), '-singlefile', file, prefix]);
  const png = PNG.sync.read(readFileSync(`${prefix}.png`));
  const pixels = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length);
  const found: string[] = [];
  for (let code = jsQR(pixels, png.width, png.height); code && found.length < 5; code = jsQR(pixels, png.width, png.height)) {
    found.push(code.data);
    const { topLeftCorner: a, bottomRightCorner: b, topRightCorner: c, bottomLeftCorner: d } = code.location;
    const [x0, x1] = [Math.min(a.x, d.x), Math.max(b.x, c.x)];
    const [y0, y1] = [Math.min(a.y, c.y), Math.max(b.y, d.y)];
    for (let y = Math.max(0, Math.floor(y0) - 2); y < Math.min(png.height, y1 + 2); y++) pixels.fill(255, (y * png.width + Math.max(0, Math.floor(x0) - 2)) * 4, (y * png.width + Math.min(png.width, Math.ceil(x1) + 2)) * 4);
  }
  return found;
}

/** Every font of the file: name and whether it is embedded (pdffonts' « emb » column). */
function fonts(file: string): { name: string; embedded: boolean }[] {
  return run('pdffonts', [file])
    .trim()
    .split('\n')
    .slice(2)
    .map((line) => {
      const cols = line.trim().split(/\s+/);
      return { name: cols[0]!, embedded: cols[cols.length - 5] === 'yes' };
    });
}

describe.runIf(hasPoppler)('voucher PDF', () => {
  it('A4: one tagged page per voucher, fonts embedded, every fact readable, the QR code opens the voucher', async () => {
    const vouchers = [gift(), gift({ amountCents: 2000, balanceCents: 2000, recipientName: null, message: null }), gift({ amountCents: 123456, balanceCents: 100 })];
    const file = await write('a4', vouchers, context());
    const info = run('pdfinfo', [file]);
    expect(info).toMatch(/Pages:\s+3/);
    expect(info).toMatch(/Page size:\s+595\.28 x 841\.89 pts \(A4\)/);
    expect(info).toMatch(/Tagged:\s+yes/);
    expect(info).toMatch(/Title:\s+Bon d’achat — Chèques cadeaux Seine Estuaire/);
    const used = fonts(file);
    expect(used.length).toBeGreaterThanOrEqual(3);
    for (const f of used) expect(f, f.name).toMatchObject({ embedded: true });
    expect(used.every((f) => f.name.includes('OpenSans'))).toBe(true);

    const page1 = run('pdftotext', ['-layout', '-f', '1', '-l', '1', file, '-']);
    expect(page1).toMatch(/50,00\s€/);
    expect(page1).toContain('Solde au 7 décembre 2026');
    expect(page1).toMatch(/32,50\s€/);
    expect(page1).toContain('23 novembre 2027');
    expect(page1).toContain('Pour Léa Dupré');
    expect(page1).toMatch(/Joyeux Noël\s! Avec toute notre affection\./);
    expect(page1).toContain(formatCode(vouchers[0]!.code));
    expect(page1).toContain('Librairie La Galerne');
    expect(page1).toContain('148 rue de Paris, 76600 Le Havre');
    expect(page1).toContain('57 commerces partenaires');
    expect(page1).toMatch(/et \d+ autres commerces/);
    expect(page1).toContain('https://bons.example.fr/campagnes/seine-estuaire');
    expect(page1).toContain('usages multiples');
    // A page without message has room for more shops.
    const page2 = run('pdftotext', ['-layout', '-f', '2', '-l', '2', file, '-']);
    expect(page2).not.toContain('Pour ');
    const listed = (text: string) => (text.match(/Épicerie n°\d+/g) ?? []).length;
    expect(listed(page2)).toBeGreaterThan(listed(page1));
    expect(run('pdftotext', ['-layout', '-f', '3', '-l', '3', file, '-'])).toMatch(/1\s234,56\s€/);

    // Vector QR codes (no images without a logo); the voucher's decodes to its page.
    expect(run('pdfimages', ['-list', file]).trim().split('\n')).toHaveLength(2);
    expect(decodeQrs(file, 2).sort()).toEqual(['https://bons.example.fr/campagnes/seine-estuaire', `https://bons.example.fr/v/${vouchers[1]!.code}`]);
  });

  it('A6: one card per voucher at 298 × 420 pt, with the same facts and a QR code that opens the voucher', async () => {
    const vouchers = [gift(), gift({ recipientName: null, message: null })];
    const file = await write('a6', vouchers, context({ format: 'a6' }));
    const info = run('pdfinfo', [file]);
    expect(info).toMatch(/Pages:\s+2/);
    expect(info).toMatch(/Page size:\s+297\.64 x 419\.53 pts/);
    expect(info).toMatch(/Tagged:\s+yes/);
    for (const f of fonts(file)) expect(f, f.name).toMatchObject({ embedded: true });
    const text = run('pdftotext', ['-layout', '-f', '1', '-l', '1', file, '-']);
    for (const fact of ['50,00 €', '32,50 €', 'Solde au 7 décembre 2026', '23 novembre 2027', 'Léa Dupré', formatCode(vouchers[0]!.code), 'Librairie La Galerne']) expect(text.replace(/\s+/g, ' ')).toContain(fact);
    expect(text).toMatch(/Joyeux Noël\s! Avec toute notre affection\./);
    expect(text).toContain('seine-estuaire');
    expect(decodeQrs(file, 1).sort()).toEqual(['https://bons.example.fr/campagnes/seine-estuaire', `https://bons.example.fr/v/${vouchers[0]!.code}`]);
  });

  it('is tagged for assistive technologies: a Document of one Sect per voucher, headings, a list of shops, QR codes with a text alternative', async () => {
    const file = await write('struct', [gift()], context());
    const tree = run('pdfinfo', ['-struct-text', file]);
    expect(tree).toMatch(/^Document\n {2}Sect\n/);
    expect(tree).toMatch(/H1 \(block\)\n\s+"Chèques cadeaux Seine Estuaire"/);
    expect(tree).toMatch(/H2 \(block\)\n\s+"Où utiliser ce bon\s\?"/);
    expect(tree).toMatch(/"Solde au 7 décembre 2026 32,50\s€"/);
    expect(tree).toMatch(/L \(block\)\n\s+LI \(block\)\n\s+LBody \(block\)\n\s+"Librairie La Galerne Librairie · 148 rue de Paris, 76600 Le Havre"/);
    expect(tree).toMatch(/"Code du bon [A-Z2-9-]{24}"/);
    // Alternative texts of the two QR codes (the voucher's and the directory's).
    const alts = [...readFileSync(file, 'latin1').matchAll(/\/S \/Figure[^>]*?\/Alt \(([^)]*)\)/g)].map((m) => m[1]);
    expect(alts.length).toBe(2);
  });

  it('draws the brand: its colour and its logo, embedded once for all the pages', async () => {
    const logo = new PNG({ width: 40, height: 20 });
    logo.data.fill(0x80);
    const brand: PdfBrand = { name: 'Ville de Fécamp', primary: '#7a1f3d', accent: '#9a3412', logo: { bytes: PNG.sync.write(logo), type: 'png' } };
    const file = await write('brand', [gift(), gift()], context({ brand }));
    const images = run('pdfimages', ['-list', file]).trim().split('\n').slice(2).filter((l) => l.trim().split(/\s+/)[2] === 'image');
    expect(images).toHaveLength(2); // one per page…
    expect(new Set(images.map((l) => l.trim().split(/\s+/)[10]))).toHaveProperty('size', 1); // …of one image object
    expect(run('pdftotext', ['-f', '1', '-l', '1', file, '-'])).toContain('Ville de Fécamp');
    const png = join(dir, 'brand-band');
    run('pdftoppm', ['-png', '-r', '20', '-f', '1', '-l', '1', '-singlefile', file, png]);
    const page = PNG.sync.read(readFileSync(`${png}.png`));
    const at = (x: number, y: number) => [...page.data.subarray((y * page.width + x) * 4, (y * page.width + x) * 4 + 3)];
    expect(at(3, 3)).toEqual([0x7a, 0x1f, 0x3d]);
  });

  it('writes French text as it is: the narrow no-break space of amounts and before « ? » reaches the reader, not a substitute', async () => {
    const file = await write('nnbsp', [gift({ amountCents: 123456 })], context());
    // pdftotext turns every kind of space into U+0020; poppler's structure dump gives the text as a reader gets it.
    const tree = run('pdfinfo', ['-struct-text', file]);
    expect(tree).toContain('"1\u202f234,56\u00a0€"');
    expect(tree).toContain('"Où utiliser ce bon\u202f?"');
    expect(tree).not.toContain('\ufffd');
  });

  it('streams: bytes reach the consumer while later vouchers are still being drawn (50 vouchers)', async () => {
    let received = 0;
    let receivedBeforeLast = -1;
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        received += chunk.length;
        setImmediate(done);
      },
    });
    function* vouchers() {
      for (let i = 0; i < 50; i++) {
        if (i === 49) receivedBeforeLast = received;
        yield gift({ message: i % 2 ? 'Bon anniversaire !' : null });
      }
    }
    await streamVoucherPdf(out, vouchers(), context());
    expect(receivedBeforeLast).toBeGreaterThan(0);
    expect(received).toBeGreaterThan(receivedBeforeLast);
  });
});
