import { z } from 'zod';
import { isPlainText } from '../../lib/plain-text';

/**
 * Free text of the JSON API: control and bidirectional-override characters are refused as
 * the forms refuse them (they would reach PDFs, mails and SEPA files). A 422 names the field.
 */
export const plainText = (multiline = false) => z.string().refine((v) => isPlainText(v, multiline), { message: 'errors.invalid_chars' });
