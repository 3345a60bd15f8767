/**
 * Characters refused in every free text a user types (forms and the JSON API): control
 * characters (NUL, escapes…), format characters (bidirectional overrides and isolates,
 * zero-width marks) and line/paragraph separators. They reach PDFs, mails, SEPA files
 * and terminals, where they hide or reorder what is shown.
 */
export const CONTROL_CHARS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** True when `text` holds none of them; `multiline` texts may keep their line breaks. */
export function isPlainText(text: string, multiline = false): boolean {
  return !CONTROL_CHARS.test(multiline ? text.replace(/\r?\n/g, ' ') : text);
}
