import { sqliteOf, type Tx } from '../../../db/client';

/** A closed campaign whose personal data have not been erased yet, with what starts its retention clock. */
export interface RetentionCandidate {
  id: string;
  slug: string;
  name: string;
  closedAt: string;
  /** The last instant any of its vouchers is valid (null: none issued). */
  lastExpiry: string | null;
  retentionMonths: number;
}

export function retentionCandidates(tx: Tx): RetentionCandidate[] {
  return sqliteOf(tx)
    .prepare(
      `SELECT c.id, c.slug, c.name, coalesce(c.closed_at, c.ends_at, c.created_at) AS closedAt, c.personal_data_retention_months AS retentionMonths,
              (SELECT max(v.expires_at) FROM vouchers v WHERE v.campaign_id = c.id) AS lastExpiry
         FROM campaigns c WHERE c.status = 'closed' AND c.personal_data_erased_at IS NULL ORDER BY c.slug`,
    )
    .all() as RetentionCandidate[];
}

export interface CampaignRetention {
  slug: string;
  name: string;
  status: string;
  retentionMonths: number;
  closedAt: string | null;
  lastExpiry: string | null;
  erasedAt: string | null;
}

/** Every campaign with its retention setting, for the operator's page. */
export function campaignRetentions(tx: Tx): CampaignRetention[] {
  return sqliteOf(tx)
    .prepare(
      `SELECT c.slug, c.name, c.status, c.personal_data_retention_months AS retentionMonths, c.closed_at AS closedAt, c.personal_data_erased_at AS erasedAt,
              (SELECT max(v.expires_at) FROM vouchers v WHERE v.campaign_id = c.id) AS lastExpiry
         FROM campaigns c ORDER BY c.created_at, c.slug`,
    )
    .all() as CampaignRetention[];
}

export function campaignIdBySlug(tx: Tx, slug: string): { id: string; retentionMonths: number } | undefined {
  return sqliteOf(tx).prepare(`SELECT id, personal_data_retention_months AS retentionMonths FROM campaigns WHERE slug = ?`).get(slug) as { id: string; retentionMonths: number } | undefined;
}

export function setRetentionMonths(tx: Tx, campaignId: string, months: number): void {
  sqliteOf(tx).prepare(`UPDATE campaigns SET personal_data_retention_months = ? WHERE id = ?`).run(months, campaignId);
}

/**
 * The rows of one campaign to pseudonymise: its orders not erased yet, its lines that name a
 * recipient, and the organisations that ordered only in this campaign (an organisation that
 * also ordered elsewhere keeps its contact until its last campaign's retention).
 */
export function campaignPeople(tx: Tx, campaignId: string): { orderIds: string[]; itemIds: string[]; organisationIds: string[] } {
  const s = sqliteOf(tx);
  const orderIds = s.prepare(`SELECT id FROM orders WHERE campaign_id = ? AND personal_data_erased_at IS NULL`).pluck().all(campaignId) as string[];
  const itemIds = s.prepare(`SELECT i.id FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.campaign_id = ? AND (i.recipient_name IS NOT NULL OR i.recipient_email IS NOT NULL OR i.message IS NOT NULL)`).pluck().all(campaignId) as string[];
  const organisationIds = s
    .prepare(`SELECT DISTINCT o.organisation_id FROM orders o WHERE o.campaign_id = @c AND o.organisation_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM orders x WHERE x.organisation_id = o.organisation_id AND x.campaign_id != @c AND x.personal_data_erased_at IS NULL)`)
    .pluck()
    .all({ c: campaignId }) as string[];
  return { orderIds, itemIds, organisationIds };
}

export function markCampaignErased(tx: Tx, campaignId: string, now: Date): void {
  sqliteOf(tx).prepare(`UPDATE campaigns SET personal_data_erased_at = ? WHERE id = ?`).run(now.toISOString(), campaignId);
}

/** Inside the erasing transaction: still not erased (a run that raced this one may have done it). */
export function campaignStillToErase(tx: Tx, campaignId: string): boolean {
  return sqliteOf(tx).prepare(`SELECT 1 FROM campaigns WHERE id = ? AND personal_data_erased_at IS NULL`).get(campaignId) !== undefined;
}
