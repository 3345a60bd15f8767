import { once } from 'node:events';
import type { Response } from 'express';

/**
 * Streams lines with backpressure and ends the response: an export of millions of lines
 * never sits in memory. `bom` first writes a UTF-8 BOM (spreadsheets then read the file as
 * UTF-8); `eol` ends every line; `encode` turns each line into bytes (UTF-8 without it).
 */
export async function streamLines(res: Response, lines: Iterable<string>, opts: { eol: '\n' | '\r\n'; bom?: boolean; encode?: (text: string) => Buffer }): Promise<void> {
  if (opts.bom) res.write('\ufeff');
  const encode = opts.encode;
  for (const line of lines) if (!res.write(encode ? encode(line + opts.eol) : line + opts.eol)) await once(res, 'drain');
  res.end();
}
