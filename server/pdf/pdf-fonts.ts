import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Open Sans, embedded (RGAA 13.3 and PDF/UA want every font embedded, and the standard
 * Helvetica only knows WinAnsi). Open Sans has no glyph for the narrow no-break space
 * (U+202F) that Intl puts in French amounts and that French typography puts before « ; ! ? »
 * and inside guillemets: we draw it with the font's thin space (U+2009, 1/6 em, the width
 * typographers give it) while the text keeps U+202F. The line breaker sees U+202F (no
 * break there) and the glyph is recorded with U+202F in the ToUnicode map, so copying or
 * reading the text aloud gives what was written.
 */
export type FontWeight = 'Regular' | 'SemiBold' | 'Bold' | 'Italic';

const FILES: Record<FontWeight, string> = {
  Regular: '400Regular/OpenSans_400Regular.ttf',
  SemiBold: '600SemiBold/OpenSans_600SemiBold.ttf',
  Bold: '700Bold/OpenSans_700Bold.ttf',
  Italic: '400Regular_Italic/OpenSans_400Regular_Italic.ttf',
};

interface FontkitGlyph {
  codePoints: number[];
}
interface FontkitFont {
  layout(text: string): unknown;
  glyphForCodePoint(codePoint: number): FontkitGlyph;
  hasGlyphForCodePoint(codePoint: number): boolean;
  getGlyph(id: number, codePoints: number[]): FontkitGlyph;
  _cmapProcessor: { lookup(codePoint: number): number };
}

const require = createRequire(import.meta.url);
// The fontkit pdfkit itself parses fonts with (resolved from pdfkit, so both agree on the version).
const fontkit = createRequire(require.resolve('pdfkit'))('fontkit') as { create(data: Buffer): FontkitFont };

const NNBSP = 0x202f;
const THIN_SPACE = 0x2009;

/** Parsed once per process: a fontkit font is read-only once built, and parsing costs ~5 ms a weight. */
const fonts = new Map<FontWeight, FontkitFont>();

function load(weight: FontWeight): FontkitFont {
  let font = fonts.get(weight);
  if (font) return font;
  font = fontkit.create(readFileSync(require.resolve(`@expo-google-fonts/open-sans/${FILES[weight]}`)));
  if (!font.hasGlyphForCodePoint(NNBSP) && font.hasGlyphForCodePoint(THIN_SPACE)) {
    const f = font;
    const own = f.glyphForCodePoint.bind(f);
    // fontkit caches one glyph object per id, created with the code points of its first use,
    // and its shaper rebuilds glyphs from that cache: creating the thin space first with
    // U+202F makes every use of it say U+202F (a real U+2009 would read as U+202F: we write none).
    const thin = f.getGlyph(f._cmapProcessor.lookup(THIN_SPACE), [NNBSP]);
    f.glyphForCodePoint = (cp: number) => (cp === NNBSP ? thin : own(cp));
  }
  fonts.set(weight, font);
  return font;
}

/** Registers the weights under their names ('Regular', 'Bold'…) and makes Regular current. */
export function registerOpenSans(doc: PDFKit.PDFDocument): void {
  for (const weight of Object.keys(FILES) as FontWeight[]) doc.registerFont(weight, load(weight) as unknown as string);
  doc.font('Regular');
}

/** Regular, as pdfkit's default font (its types say a name; it takes a font): no standard font is ever loaded. */
export const defaultFont = (): string => load('Regular') as unknown as string;
