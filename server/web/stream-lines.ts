import { once } from 'node:events';
import type { Response } from 'express';

/**
 * Streams lines with backpressure and ends the response: an export of millions of lines
 * never sits in memory. `bom` first writes a UTF-8 BOM (spreadsheets then read the file as
 * UTF-8); `eol` ends every line.
 */
export async function streamLines(res: Response, lines: Iterable<string>, opts: { eol: '\n' | '\r\n'; bom?: boolean }): Promise<void> {
  if (opts.bom) res.write('\ufeff');
  for (const line of lines) if (!res.write(line + opts.eol)) await once(res, 'drain');
  res.end();
}
