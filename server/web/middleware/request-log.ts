import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../lib/logger';

declare global {
  namespace Express {
    interface Request {
      id: string;
    }
  }
}

/**
 * A request id (also sent as X-Request-Id) and one structured line per request.
 * Only the path is logged: query strings may carry order access tokens. Cheaper than a
 * child logger per request, which mattered on the hot pages (see bench/).
 */
export function requestLog(logger: Logger) {
  const quiet = (path: string) => path === '/healthz' || path.startsWith('/css/') || path.startsWith('/js/') || path.startsWith('/img/') || path.startsWith('/vendor/');
  return (req: Request, res: Response, next: NextFunction) => {
    req.id = randomUUID();
    res.setHeader('X-Request-Id', req.id);
    if (logger.isLevelEnabled('info') && !quiet(req.path)) {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        logger.info({ reqId: req.id, method: req.method, path: redactTokens(req.originalUrl.split('?')[0]!), status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
      });
    }
    next();
  };
}

/** Password links carry their token in the path: never write it to the logs. */
export const redactTokens = (path: string) => path.replace(/[A-Za-z0-9_-]{40,}/g, '[token]');
