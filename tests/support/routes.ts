import type { Express } from 'express';

/** One route of the app: its method and its path template as Express matches it (e.g. /api/v1/orders/:id). */
export interface AppRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  /** The path a router was mounted at (router 2, Express 5's router). */
  rawPath?: string | string[];
}

/**
 * Every route of the app, read from its router (Express 5: app.router, nested routers'
 * handle.stack): what the app serves, not what a list says. Middleware and static mounts
 * are not routes. `_all` (app.all) stands for GET and POST, what a caller would try.
 */
export function listRoutes(app: Express): AppRoute[] {
  const out = new Map<string, AppRoute>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        const methods = Object.keys(layer.route.methods).flatMap((m) => (m === '_all' ? ['get', 'post'] : [m]));
        for (const p of paths) {
          for (const m of methods) {
            if (m === 'head' || m === 'options') continue;
            const route = { method: m.toUpperCase() as AppRoute['method'], path: `${prefix}${p}` };
            out.set(`${route.method} ${route.path}`, route);
          }
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        if (Array.isArray(layer.rawPath)) throw new Error(`a router mounted at several paths (${layer.rawPath.join(', ')}): teach listRoutes`);
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...out.values()];
}
