import type { Response } from 'express';

/**
 * Writes a JSON answer with the headers res.json() would send (type with charset, length)
 * without its generic path (content-type parsing and charset rewriting, freshness and ETag
 * checks, HEAD handling): for POST answers on the till's hot path only.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
