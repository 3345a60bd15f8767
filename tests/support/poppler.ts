import { existsSync } from 'node:fs';

/** poppler-utils (pdftotext, pdftoppm, pdfdetach, pdfinfo, pdffonts) read our PDFs back; CI sets REQUIRE_POPPLER=1 so these tests can never skip there. */
export function popplerAvailable(): boolean {
  const present = ['/usr/bin/pdftotext', '/usr/bin/pdftoppm', '/usr/bin/pdfdetach', '/usr/bin/pdfinfo', '/usr/bin/pdffonts'].every(existsSync);
  if (!present && process.env.REQUIRE_POPPLER === '1') throw new Error('REQUIRE_POPPLER=1 but poppler-utils (pdftotext, pdftoppm, pdfdetach, pdfinfo, pdffonts) is not installed');
  if (!present) console.warn('[PDF content tests skipped] poppler-utils is not installed (apt-get install poppler-utils)');
  return present;
}
