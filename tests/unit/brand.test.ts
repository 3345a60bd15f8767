import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { brandCss, darken, normaliseColour, PAGE_BACKGROUND, parseBrandForm, WHITE } from '../../server/domain/brand/brand';
import { contrastRatio } from '../../server/domain/brand/contrast';
import { renderFacturX } from '../../server/invoices/facturx';
import { DEFAULT_PDF_BRAND, type PdfBrand } from '../../server/pdf/pdf-brand';
import { streamVoucherSheetsOffThread } from '../../server/pdf/sheets-thread';
import { formatCode, generateCode } from '../../server/lib/codes';
import { invoiceDocument, townHall, voucherLines } from '../fixtures/invoice-documents';
import { solidPng } from '../support/png';
import { popplerAvailable } from '../support/poppler';

// Skips only where poppler-utils is missing; REQUIRE_POPPLER=1 (set by .ci/run) makes
// popplerAvailable() throw instead, so in CI the PDF checks run or fail.
const hasPoppler = popplerAvailable();
const dir = mkdtempSync(join(tmpdir(), 'brand-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BRAND: PdfBrand = { name: 'Cheques cadeaux de Fecamp', primary: '#0b5d3b', accent: '#a4370b', logo: { bytes: solidPng(60, 30, [10, 90, 200, 128]), type: 'png' } };

describe('brand rules', () => {
  it('computes WCAG contrast ratios (white on black 21:1, same colour 1:1, the known #767676 on white 4.54:1)', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrastRatio('#1f4e79', '#1f4e79')).toBe(1);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it('keeps the default colours acceptable, so the default brand passes its own check', () => {
    expect(parseBrandForm({ name: '', primary: DEFAULT_PDF_BRAND.primary, accent: DEFAULT_PDF_BRAND.accent }).input).toEqual({ name: null, primary: '#1f4e79', accent: '#c2410c' });
  });

  it('refuses, field by field, a colour that passes on white but not on the page background (#767676: 4.54 and 4.23)', () => {
    expect(parseBrandForm({ name: 'x', primary: '#707070', accent: '#707070' }).errors).toEqual({});
    expect(parseBrandForm({ name: 'x', primary: '#767676', accent: '#c2410c' })).toEqual({ input: null, errors: { primary: 'brand.errors.primary_contrast' } });
    expect(parseBrandForm({ name: 'x', primary: '#1f4e79', accent: '#767676' })).toEqual({ input: null, errors: { accent: 'brand.errors.accent_contrast' } });
    expect(parseBrandForm({ name: 'x', primary: '#7a7a7a', accent: '#7a7a7a' }).errors).toEqual({ primary: 'brand.errors.primary_contrast', accent: 'brand.errors.accent_contrast' });
    expect(parseBrandForm({ name: 'x'.repeat(81), primary: 'bleu', accent: '#12345' }).errors).toEqual({ name: 'brand.errors.name_too_long', primary: 'brand.errors.colour_format', accent: 'brand.errors.colour_format' });
    expect(parseBrandForm({ name: 'a\u202eb', primary: '#000', accent: '#000' }).errors).toEqual({ name: 'brand.errors.name_characters' });
  });

  it('normalises colours and writes only checked values into /brand.css', () => {
    expect(normaliseColour(' 1F4E79 ')).toBe('#1f4e79');
    expect(normaliseColour('#AbC')).toBe('#aabbcc');
    expect(normaliseColour('red; } body { display:none')).toBeNull();
    expect(brandCss({ primary: '#0b5d3b', accent: '#a4370b' })).toBe(':root {\n  --brand: #0b5d3b;\n  --brand-dark: #08462c;\n  --accent: #a4370b;\n}\n');
    // The hover shade keeps white text readable wherever the primary colour does.
    for (const c of ['#1f4e79', '#707070', '#0b5d3b']) expect(contrastRatio(WHITE, darken(c))).toBeGreaterThan(contrastRatio(WHITE, c));
  });
});

function pdfTextOf(pdf: Buffer, name: string): { text: string; images: string[]; fonts: string[]; file: string } {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  return {
    file,
    text: execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }),
    images: execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').slice(2),
    fonts: execFileSync('pdffonts', [file], { encoding: 'utf8' }).trim().split('\n').slice(2),
  };
}

describe.runIf(hasPoppler)('PDFs drawn with the brand', () => {
  it('voucher sheets: the brand crosses to the worker thread, its name in the footer, its logo embedded once', async () => {
    const vouchers = Array.from({ length: 9 }, () => {
      const code = generateCode();
      return { code, formatted: formatCode(code), amountCents: 20_00, expiresAt: '2027-12-31T22:59:59.999Z', campaignName: 'Noël à Fécamp' };
    });
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await streamVoucherSheetsOffThread(out, (async function* () { yield* vouchers; })(), { baseUrl: 'https://bons.example.fr', locale: 'fr', title: 'Noël à Fécamp', brand: BRAND });
    const { text, images } = pdfTextOf(Buffer.concat(chunks), 'sheets');
    expect(text).toContain('Cheques cadeaux de Fecamp — Noël à Fécamp');
    // One image object, drawn on every card of both pages.
    const drawn = images.map((l) => l.trim().split(/\s+/)).filter((cols) => cols[2] === 'image');
    expect(drawn).toHaveLength(9);
    expect(new Set(drawn.map((cols) => cols[10])).size).toBe(1);
  });

  it('Factur-X invoice: the brand in its header, still PDF/A-3b with every font embedded and the XML attached', async () => {
    const { pdf } = await renderFacturX(invoiceDocument({ buyer: townHall, lines: voucherLines }), 'fr', BRAND);
    const { text, images, fonts, file } = pdfTextOf(pdf, 'facturx');
    expect(text).toContain('Cheques cadeaux de Fecamp');
    expect(images.some((l) => l.trim().split(/\s+/)[2] === 'image')).toBe(true);
    for (const f of fonts) expect(f).toMatch(/\s+yes\s+yes\s+yes\s+/);
    const meta = execFileSync('pdfinfo', ['-meta', file]).toString();
    expect(meta).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(readFileSync(file).toString('latin1')).toMatch(/\/OutputIntents/);
    expect(execFileSync('pdfdetach', ['-list', file]).toString()).toMatch(/1: factur-x\.xml/);
  });

  it('draws the default brand when none is set, and survives logo bytes that do not decode', async () => {
    const broken: PdfBrand = { ...BRAND, logo: { bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]), type: 'png' } };
    const { pdf } = await renderFacturX(invoiceDocument({ buyer: townHall, lines: voucherLines }), 'fr', broken);
    const { text, images } = pdfTextOf(pdf, 'broken-logo');
    expect(text).toContain('Cheques cadeaux de Fecamp');
    expect(images).toHaveLength(0);
  });
});
