import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Several middlewares as ONE route handler: each calls the next directly instead of going
 * back through the router (whose per-layer bookkeeping showed on the till's hot path).
 * Same contract as a router: next(err) (or next('route')) stops the chain and hands it on; a handler
 * that throws synchronously or returns a rejected promise does the same.
 */
export function chain(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined && err !== null) return next(err);
      const h = handlers[i++];
      if (!h) return next();
      try {
        const out = h(req, res, step) as unknown;
        if (out instanceof Promise) out.catch(next);
      } catch (e) {
        next(e);
      }
    };
    step();
  };
}
