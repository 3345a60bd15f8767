import { pgUnit } from '../../../db/pg-write-behind';
import type { Units } from '../../../db/store-units';
import { sqliteCampaignAdminStore, type CampaignAdminStore } from '../../domain/campaigns/campaign-admin-store';
import { pgCampaignAdminStore } from '../../domain/campaigns/campaign-admin-store-pg';
import { storeReads } from '../backend-units';
import type { AppContext } from '../context';
import { adminUnits } from './admin-units';

type Backend = Pick<AppContext, 'database' | 'pg'>;

/** The operator's campaign writes: BEGIN IMMEDIATE on SQLite, a pooled unit of work (audit entry sent with COMMIT) on PostgreSQL. */
export function campaignAdminUnits(ctx: Backend): Units<CampaignAdminStore> {
  return adminUnits(ctx, sqliteCampaignAdminStore, pgCampaignAdminStore);
}

/** The back-office list's read (no lock taken: `allCampaigns` only). */
export function campaignAdminReads(ctx: Backend): Units<CampaignAdminStore> {
  return storeReads(ctx, sqliteCampaignAdminStore, (client) => pgCampaignAdminStore(pgUnit(client)));
}
