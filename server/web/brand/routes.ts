import { Router, type NextFunction, type Request, type Response } from 'express';
import { brandCss, type BrandSummary } from '../../domain/brand/brand';
import { brandReader, readBrandImage } from '../../domain/brand/brand-repository';
import { pgBrandReader, pgReadBrandImage } from '../../domain/brand/brand-reads-pg';
import { andThen } from '../../../db/store-units';
import type { AppContext } from '../context';

/** What the layout needs of the brand on every page. */
export interface BrandLocals {
  name: string | null;
  /** Set once the operator saved a brand: /brand.css overrides app.css's colours. */
  cssUrl: string | null;
  logoUrl: string | null;
  /** The default campaign image (a campaign without its own shows it). */
  imageUrl: string | null;
  version: number;
}

declare global {
  namespace Express {
    interface Locals {
      brand?: BrandLocals;
    }
  }
}

export const BRAND_CSS_PATH = '/brand.css';
export const BRAND_LOGO_PATH = '/marque/logo';
export const BRAND_IMAGE_PATH = '/marque/image';

export function brandLocals(b: BrandSummary): BrandLocals {
  const v = `?v=${b.version}`;
  return {
    name: b.name,
    cssUrl: b.version > 0 ? `${BRAND_CSS_PATH}${v}` : null,
    logoUrl: b.logoType ? `${BRAND_LOGO_PATH}${v}` : null,
    imageUrl: b.imageType ? `${BRAND_IMAGE_PATH}${v}` : null,
    version: b.version,
  };
}

/**
 * Every page: the brand read fresh from the database (one primary-key read without the image
 * bytes), so a save on any server shows on the next page here; the page cache has the
 * version in its keys.
 */
export function brandMiddleware(ctx: AppContext) {
  const read = readerOf(ctx);
  return (_req: Request, res: Response, next: NextFunction) =>
    andThen(read(), (b) => {
      res.locals.brand = brandLocals(b);
      next();
    });
}

/** The brand summary on the app's backend (synchronous on SQLite). */
export function readerOf(ctx: AppContext): () => BrandSummary | Promise<BrandSummary> {
  return ctx.pg ? pgBrandReader(ctx.pg.pool) : brandReader(ctx.database);
}

/**
 * The brand's assets. Their URLs carry the version (?v=N): asked with the current version
 * they are cached for a year (a save changes the URL in every page); with another one, or
 * none, they are served fresh and not cached, so an old page never pins a new file.
 */
export function brandAssetRoutes(ctx: AppContext): Router {
  const r = Router();
  const read = readerOf(ctx);
  const pool = ctx.pg?.pool;
  const caching = (req: Request, res: Response, version: number) =>
    res.set('Cache-Control', req.query.v === String(version) ? 'public, max-age=31536000, immutable' : 'no-cache');

  r.get(BRAND_CSS_PATH, async (req, res) => {
    const b = await read();
    caching(req, res, b.version);
    res.type('text/css; charset=utf-8').send(brandCss(b));
  });
  for (const [path, which] of [[BRAND_LOGO_PATH, 'logo'], [BRAND_IMAGE_PATH, 'image']] as const) {
    r.get(path, async (req, res, next) => {
      const img = pool ? await pgReadBrandImage(pool, which) : readBrandImage(ctx.database.db, which);
      if (!img) return next();
      caching(req, res, img.version);
      // The type comes from the upload's magic bytes, never from the sender (nosniff is set).
      res.type(img.type === 'png' ? 'image/png' : 'image/jpeg').send(img.bytes);
    });
  }
  return r;
}
