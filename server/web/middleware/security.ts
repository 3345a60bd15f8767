import helmet from 'helmet';
import type { NextFunction, Request, Response } from 'express';

/**
 * Strict CSP: scripts and styles only from our origin, no inline code at all.
 * form-action allows Stripe Checkout because our order form answers with a redirect
 * there and browsers apply form-action to redirect targets; for the same reason the caller
 * adds BASE_URL's origin (the demo checkout and the order page are built on it).
 */
export function securityHeaders(opts: { https: boolean; extraFormAction: string[]; mapTileOrigin?: string | null }) {
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // The directory's map tiles, only when the operator configures a tile server (MAP_TILE_URL).
        imgSrc: ["'self'", 'data:', ...(opts.mapTileOrigin ? [opts.mapTileOrigin] : [])],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        mediaSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'", 'https://checkout.stripe.com', ...opts.extraFormAction],
        ...(opts.https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: opts.https,
    referrerPolicy: { policy: 'no-referrer' },
  });
  // Our headers do not depend on the request: compute them once, then set them as a list.
  const headers: [string, string][] = [];
  const recorder = { setHeader: (k: string, v: unknown) => void headers.push([k, String(v)]), removeHeader: () => {}, getHeader: () => undefined };
  middleware({} as Request, recorder as unknown as Response, () => {});
  if (!headers.some(([k]) => k.toLowerCase() === 'content-security-policy')) throw new Error('security headers not computed');
  return (_req: Request, res: Response, next: NextFunction) => {
    for (const [k, v] of headers) res.setHeader(k, v);
    next();
  };
}
