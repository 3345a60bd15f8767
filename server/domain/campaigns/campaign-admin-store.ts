import { asc, eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { campaigns } from '../../../db/schema/index';
import { done, type Step } from '../../../db/unit-of-work';
import { audit, type AuditInput } from '../audit/audit-log';
import { toCampaign, type Campaign, type CampaignRow } from './campaign';
import { findCampaignBySlug } from './campaigns-repository';

/** Campaign columns by their schema keys (JSON columns already serialised). */
export type CampaignColumns = Partial<CampaignRow>;

/**
 * What the operator's campaign writes (campaign-admin-service.ts) read and write: SQLite here
 * (the Drizzle statements as before, inside BEGIN IMMEDIATE), PostgreSQL in
 * campaign-admin-store-pg.ts (the campaign row read FOR UPDATE: an order reserving bonus
 * meanwhile either committed before the check or waits for the edit).
 */
export interface CampaignAdminStore {
  /** The campaign about to be changed (locked on PostgreSQL). */
  campaignForUpdate(slug: string): Step<Campaign | undefined>;
  slugTaken(slug: string): Step<boolean>;
  /** Every campaign by start date. */
  allCampaigns(): Step<Campaign[]>;
  insertCampaign(row: CampaignRow | CampaignColumns): Step<void>;
  updateCampaign(id: string, set: CampaignColumns): Step<void>;
  audit(e: AuditInput, now: Date): Step<void>;
}

export function sqliteCampaignAdminStore(tx: Tx): CampaignAdminStore {
  return {
    campaignForUpdate: (slug) => done(findCampaignBySlug(tx, slug)),
    slugTaken: (slug) => done(!!tx.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.slug, slug)).get()),
    allCampaigns: () => done(tx.select().from(campaigns).orderBy(asc(campaigns.startsAt)).all().map(toCampaign)),
    insertCampaign: (row) => done(void tx.insert(campaigns).values(row as CampaignRow).run()),
    updateCampaign: (id, set) => done(void tx.update(campaigns).set(set).where(eq(campaigns.id, id)).run()),
    audit: (e, now) => done(audit(tx, e, now)),
  };
}
