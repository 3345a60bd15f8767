import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../lib/errors';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([\w-]+)"?/i;

/**
 * A small JSON body reader for the till's hot path (POST /api/v1/redemptions), where
 * express.json()'s generality (type-is, iconv, raw-body, encodings) showed in the
 * benchmark. Same rules as express.json({ strict: true }): only JSON objects or arrays,
 * UTF-8 only, no compressed bodies, a size limit checked on the declared length first and
 * then on every chunk. A request without a JSON content type leaves `req.body` undefined,
 * so validation says which fields are missing.
 */
export function leanJsonBody(limitBytes: number) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const type = req.headers['content-type'];
    if (!type || !JSON_TYPE.test(type)) return next();
    const charset = CHARSET.exec(type)?.[1]?.toLowerCase();
    if (charset && charset !== 'utf-8' && charset !== 'utf8') return next(new AppError('BAD_REQUEST', 415, 'errors.bad_request'));
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding.toLowerCase() !== 'identity') return next(new AppError('BAD_REQUEST', 415, 'errors.bad_request'));
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limitBytes) return refuse(req, next, new AppError('PAYLOAD_TOO_LARGE', 413, 'errors.payload_too_large'));

    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: AppError) => {
      if (done) return;
      done = true;
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
      if (err) return refuse(req, next, err);
      next();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) return finish(new AppError('PAYLOAD_TOO_LARGE', 413, 'errors.payload_too_large'));
      chunks.push(chunk);
    };
    const onEnd = () => {
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
      const first = /\S/.exec(text)?.[0];
      if (first !== '{' && first !== '[') return finish(new AppError('MALFORMED_JSON', 400, 'errors.malformed_json'));
      try {
        req.body = JSON.parse(text);
      } catch {
        return finish(new AppError('MALFORMED_JSON', 400, 'errors.malformed_json'));
      }
      finish();
    };
    const onError = () => finish(new AppError('BAD_REQUEST', 400, 'errors.bad_request'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError);
  };
}

/** Answers now and drains what is left, so the connection stays usable (keep-alive). */
function refuse(req: Request, next: NextFunction, err: AppError) {
  req.resume();
  next(err);
}
