import { AppError } from '../lib/errors';
import { encodeLatin9 } from '../lib/latin9';

/**
 * How a FEC file is delivered (LPF art. A47 A-1): its name and its character set.
 *
 * - Name « <SIREN>FEC<AAAAMMJJ>.txt » (IX of the article, BOI-CF-IOR-60-40-20 § 10): the
 *   operator's SIREN, then the closing date of the period exported.
 * - Character set: ASCII, ISO 8859-15 or EBCDIC (the article's « codage des informations »).
 *   ISO 8859-15 is the default, characters outside it transliterated (server/lib/latin9.ts);
 *   UTF-8 is offered for tools that want it, knowing the administration may refuse it.
 */

export const FEC_ENCODINGS = ['iso-8859-15', 'utf-8'] as const;
export type FecEncoding = (typeof FEC_ENCODINGS)[number];

export const isFecEncoding = (x: unknown): x is FecEncoding => typeof x === 'string' && (FEC_ENCODINGS as readonly string[]).includes(x);

/** The bytes of one line of the file, its terminator included by the caller. */
export const fecBytes = (text: string, encoding: FecEncoding): Buffer => (encoding === 'utf-8' ? Buffer.from(text, 'utf8') : encodeLatin9(text));

/**
 * `<SIREN>FEC<AAAAMMJJ>.txt` for a period closing on `closing` (YYYY-MM-DD, Paris). Without
 * a SIREN the file cannot be named as the administration expects: FEC_SIREN_MISSING.
 */
export function fecFileName(siren: string | undefined, closing: string): string {
  if (!siren || !/^\d{9}$/.test(siren)) throw new AppError('FEC_SIREN_MISSING', 409, 'errors.fec_siren_missing');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(closing)) throw new Error(`closing date ${closing} is not YYYY-MM-DD`);
  return `${siren}FEC${closing.replace(/-/g, '')}.txt`;
}
