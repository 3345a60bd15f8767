import type { Units } from '../../db/store-units';
import { sqliteCatalogStore, type CatalogStore } from '../domain/campaigns/catalog-store';
import { pgCatalogStore } from '../domain/campaigns/catalog-store-pg';
import { storeLookups } from './backend-units';
import type { AppContext } from './context';

/**
 * The public pages' reads (campaigns, their shops, the cache-key figures) on this app's
 * backend: on SQLite each statement on its own, as the direct calls it replaced (no
 * transaction: the busiest pages never queue behind a writer); on PostgreSQL one pooled
 * connection per page, READ COMMITTED.
 */
export function catalogUnits(ctx: Pick<AppContext, 'database' | 'pg'>): Units<CatalogStore> {
  return storeLookups(ctx, sqliteCatalogStore, pgCatalogStore);
}
