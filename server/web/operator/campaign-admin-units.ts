import { pgUnit, pgUnitOfWork } from '../../../db/pg-write-behind';
import { sqliteUnits, type Units } from '../../../db/store-units';
import { runAsync } from '../../../db/unit-of-work';
import { sqliteCampaignAdminStore, type CampaignAdminStore } from '../../domain/campaigns/campaign-admin-store';
import { pgCampaignAdminStore } from '../../domain/campaigns/campaign-admin-store-pg';
import { storeReads } from '../backend-units';
import type { AppContext } from '../context';

type Backend = Pick<AppContext, 'database' | 'pg'>;

/** The operator's campaign writes: BEGIN IMMEDIATE on SQLite, a pooled unit of work (audit entry sent with COMMIT) on PostgreSQL. */
export function campaignAdminUnits(ctx: Backend): Units<CampaignAdminStore> {
  if (ctx.pg) {
    const pg = ctx.pg;
    return (work) => pgUnitOfWork(pg, (unit) => runAsync(work(pgCampaignAdminStore(unit))));
  }
  return sqliteUnits(ctx.database, sqliteCampaignAdminStore);
}

/** The back-office list's read (no lock taken: `allCampaigns` only). */
export function campaignAdminReads(ctx: Backend): Units<CampaignAdminStore> {
  return storeReads(ctx, sqliteCampaignAdminStore, (client) => pgCampaignAdminStore(pgUnit(client)));
}
