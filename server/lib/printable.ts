/**
 * Characters a terminal acts on instead of showing: C0 controls (ESC starts escape
 * sequences that recolour, move the cursor, rewrite the title or clear the screen), DEL,
 * C1 controls (U+009B is a one-character CSI), line and paragraph separators, zero-width
 * and bidirectional controls (U+202E reverses what follows), the BOM.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;

const escape = (c: string): string => {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
};

/**
 * Text people typed (shop names, key labels, emails), made safe to print on a terminal:
 * every such character is shown as its escape (`\x1b`, `\u202e`), so a label can neither
 * run terminal commands nor disguise itself.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, escape);
}

/** Multi-line command output: each line made printable, the line breaks kept. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

/**
 * JSON for a terminal or a pipe: JSON.stringify already escapes C0 controls; the others
 * (C1, bidirectional, separators) become \uXXXX too. The parsed value is unchanged.
 */
export function printableJson(value: unknown): string {
  return JSON.stringify(value).replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
