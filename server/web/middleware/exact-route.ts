import type { RequestHandler } from 'express';

/**
 * One route answered at the front of the app, before the router walks its layers and
 * dispatches through a Route: for a request whose method and URL are exactly these (no
 * query string, no trailing slash, same case) the handler runs at once. Every other
 * spelling falls through, so the same handler must also be mounted the ordinary way.
 * Used only for the till's POST (see pos-routes.ts), where the router's matching and
 * bookkeeping showed in bench/redemption.bench.ts.
 */
export function exactRoute(method: string, url: string, handler: RequestHandler): RequestHandler {
  return (req, res, next) => (req.method === method && req.url === url ? handler(req, res, next) : next());
}
