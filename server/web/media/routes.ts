import { join } from 'node:path';
import { Router } from 'express';
import { CAMPAIGN_IMAGE_DIR, CAMPAIGN_IMAGE_NAME } from '../../domain/campaigns/campaign-admin-service';
import type { AppContext } from '../context';

/**
 * Uploaded campaign images. Only names the app generated (32 hex + .png/.jpg) are served,
 * so no path can leave the folder; the type comes from that extension, which the upload's
 * magic bytes decided (nosniff is set by the security headers). Names are random and never
 * reused: a year of browser caching is safe.
 */
export function mediaRoutes(ctx: AppContext): Router {
  const r = Router();
  const dir = join(ctx.config.dataDir, ...CAMPAIGN_IMAGE_DIR);
  r.get('/media/campagnes/:file', (req, res, next) => {
    const file = String(req.params.file);
    if (!CAMPAIGN_IMAGE_NAME.test(file)) return next();
    res.setHeader('Content-Type', file.endsWith('.png') ? 'image/png' : 'image/jpeg');
    res.sendFile(file, { root: dir, dotfiles: 'deny', headers: { 'Cache-Control': 'public, max-age=31536000, immutable' }, lastModified: false }, (err) => {
      if (err && !res.headersSent) {
        res.removeHeader('Content-Type');
        res.removeHeader('Cache-Control');
        next();
      }
    });
  });
  return r;
}
