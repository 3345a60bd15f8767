/**
 * French typography: the space before « : », « % » and the high punctuation « ; ! ? » must not
 * break, or a line starts with a lone « % » or « : ». The Imprimerie nationale rule: a no-break
 * space (U+00A0) before « : » and « % », a narrow no-break space (U+202F) before « ; ! ? »,
 * and no-break spaces inside « guillemets ». English text is left as it is.
 */
const NBSP = '\u00A0';
const NNBSP = '\u202F';

export function frenchSpaces(text: string): string {
  return text
    .replace(/[ \u00A0\u202F]+([:%])/g, `${NBSP}$1`)
    .replace(/[ \u00A0\u202F]+([;!?»])/g, `${NNBSP}$1`)
    .replace(/«[ \u00A0\u202F]+/g, `«${NNBSP}`);
}

/** Applies the typography of the locale (only French has rules here). */
export function typeset(text: string, locale: string): string {
  return locale === 'en' ? text : frenchSpaces(text);
}
