import helmet from 'helmet';

/**
 * Strict CSP: scripts and styles only from our origin, no inline code at all.
 * form-action allows Stripe Checkout because our order form answers with a redirect
 * there and browsers apply form-action to redirect targets.
 */
export function securityHeaders(opts: { https: boolean; extraFormAction: string[] }) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
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
}
