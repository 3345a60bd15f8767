import type { Response } from 'express';
import { streamLinesTo, type StreamLinesOptions } from '../lib/stream-lines';

/**
 * A whole download through the response: headers are the caller's, set before. Before the
 * first byte an error goes to the error pages as usual; after it the connection is cut
 * (the error middleware would otherwise end the response and the cut file would look whole).
 */
export async function streamLines(res: Response, lines: Iterable<string> | AsyncIterable<string>, opts: StreamLinesOptions): Promise<void> {
  try {
    await streamLinesTo(res, lines, opts);
  } catch (err) {
    if (!res.headersSent) throw err;
    res.destroy(err as Error);
    throw err;
  }
}
