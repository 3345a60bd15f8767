/**
 * Text → ISO 8859-15 (Latin-9) bytes, the character set the FEC is delivered in (LPF art.
 * A47 A-1 allows ASCII, ISO 8859-15 or EBCDIC). Latin-9 is Latin-1 with eight code points
 * changed (ISO/IEC 8859-15:1999): €, Š, š, Ž, ž, Œ, œ, Ÿ replace ¤, ¦, ¨, ´, ¸, ¼, ½, ¾.
 * Node has no Latin-9 codec (its 'latin1' is ISO 8859-1), hence this small one.
 *
 * A character Latin-9 cannot carry is transliterated rather than lost: typographic quotes
 * and dashes to their ASCII forms, otherwise its compatibility decomposition (NFKD) without
 * combining accents (ł stays '?', but ǅ → Dž, ﬁ → fi, … → ..., ā → a), and '?' for the rest.
 */

/** Latin-9 byte of each code point above U+00FF it carries. */
const LATIN9_EXTRA: ReadonlyMap<number, number> = new Map([
  [0x20ac, 0xa4], // €
  [0x0160, 0xa6], // Š
  [0x0161, 0xa8], // š
  [0x017d, 0xb4], // Ž
  [0x017e, 0xb8], // ž
  [0x0152, 0xbc], // Œ
  [0x0153, 0xbd], // œ
  [0x0178, 0xbe], // Ÿ
]);

/** The Latin-1 bytes whose characters Latin-9 replaced: these characters are transliterated. */
const LATIN1_REPLACED = new Set([0xa4, 0xa6, 0xa8, 0xb4, 0xb8, 0xbc, 0xbd, 0xbe]);

/** Usual characters outside Latin-9 that NFKD does not bring into it, and the Latin-1 ones Latin-9 dropped. */
const SUBSTITUTES: ReadonlyMap<string, string> = new Map(Object.entries({
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u2033': '"',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-',
  '\u2022': '-', '\u2044': '/', '\u0142': 'l', '\u0141': 'L', '\u0111': 'd', '\u0110': 'D',
  '\u00a4': '?', '\u00a6': '|', '\u00a8': '"', '\u00b4': "'", '\u00b8': ',', '\u00bc': '1/4', '\u00bd': '1/2', '\u00be': '3/4',
}));

/** The Latin-9 byte of one code point, or undefined when Latin-9 has no such character. */
function byteOf(cp: number): number | undefined {
  if (cp <= 0xff) return LATIN1_REPLACED.has(cp) ? undefined : cp;
  return LATIN9_EXTRA.get(cp);
}

/** The Latin-9 text standing for a character outside Latin-9 (see the module comment). */
function transliterate(ch: string): string {
  const sub = SUBSTITUTES.get(ch);
  if (sub !== undefined) return sub;
  let out = '';
  // Compatibility forms first (ﬁ → fi, ǅ → Dž), recomposed so letters Latin-9 has stay whole.
  for (const c of ch.normalize('NFKD').normalize('NFC')) {
    if (byteOf(c.codePointAt(0)!) !== undefined) {
      out += c;
      continue;
    }
    // Then accents off: ā → a + ◌̄ → a.
    for (const d of c.normalize('NFD')) {
      const cp = d.codePointAt(0)!;
      if (cp >= 0x300 && cp <= 0x36f) continue;
      out += byteOf(cp) !== undefined ? d : SUBSTITUTES.get(d) ?? '?';
    }
  }
  return out || '?';
}

/** A character Latin-9 has not at the same code point as Latin-1 (or not at all). */
// The test runs on code units (unicode mode scans several times slower); a surrogate is
// above U+00FF, so it is caught all the same, and the replacement sees whole code points.
const NOT_LATIN1_SAFE = /[^\x00-\xa3\xa5\xa7\xa9-\xb3\xb5-\xb7\xb9-\xbb\xbf-\xff]/;
const NOT_LATIN1_SAFE_ALL = new RegExp(NOT_LATIN1_SAFE.source, 'gu');

/** Replaces every character Latin-9 cannot carry (the text stays a JS string). */
export function toLatin9Text(text: string): string {
  // Fast path: plain ASCII and Latin-1 letters, the near totality of a French ledger.
  if (!NOT_LATIN1_SAFE.test(text)) return text;
  // Only the few other characters (€ in a label…) are looked at, not every character of a 64 KB chunk.
  return text.replace(NOT_LATIN1_SAFE_ALL, (ch) => (byteOf(ch.codePointAt(0)!) !== undefined ? ch : transliterate(ch)));
}

/** ISO 8859-15 bytes of a text, characters outside it transliterated. */
export function encodeLatin9(text: string): Buffer {
  const safe = toLatin9Text(text);
  // Every character left is one Latin-9 byte: those ≤ U+00FF are their own byte (the
  // replaced ones were transliterated above), so Node's native Latin-1 encoder writes them;
  // then the few above (€, Œ, Š…, which it would truncate) are set to their Latin-9 byte.
  // An export writes hundreds of MB: no per-character loop over the whole text.
  const bytes = Buffer.from(safe, 'latin1');
  for (const m of safe.matchAll(ABOVE_LATIN1)) bytes[m.index] = byteOf(m[0].charCodeAt(0))!;
  return bytes;
}

const ABOVE_LATIN1 = /[^\x00-\xff]/g;
