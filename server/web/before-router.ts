import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';

type Dispatch = (req: Request, res: Response, done: NextFunction) => void;

/**
 * Answers one exact request line (method and URL: no query string, no trailing slash,
 * same case) before Express's router. The app still prepares req and res as for any
 * request (prototypes, locals); only the router's per-request bookkeeping, its walk over
 * the layers and the Route dispatch are skipped — ~10 % of the till's requests/s in
 * bench/redemption.bench.ts. Every other spelling goes through the router, so the handler
 * must be mounted there too. The handler's errors go to `onError` (the app's error
 * handler); a handler that falls through hands the request to the router.
 *
 * Express 5 documents `app.router`; Express's app.handle() calls `app.router.handle()`,
 * which is what this wraps on that one instance.
 */
export function answerBeforeRouter(app: Express, line: { method: string; url: string }, handler: RequestHandler, onError: ErrorRequestHandler): void {
  const router = app.router as Express['router'] & { handle: Dispatch };
  const dispatch: Dispatch = router.handle.bind(router);
  router.handle = (req, res, done) => {
    if (req.method !== line.method || req.url !== line.url) return dispatch(req, res, done);
    // What the router sets for a request at the app's root (the request log reads it).
    req.originalUrl = req.url;
    req.baseUrl = '';
    handler(req, res, (err?: unknown) => (err ? onError(err, req, res, done) : dispatch(req, res, done)));
  };
}
