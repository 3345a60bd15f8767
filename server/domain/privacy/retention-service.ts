import type { Database_ } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { audit } from '../audit/audit-log';
import { clearRecipientsOfItems, forgetCampaignMessages, forgetGifts, pseudonymiseBuyers, pseudonymiseOrganisationContacts, redactCampaignTexts } from './personal-data-repository';
import { isRetentionDue, MAX_RETENTION_MONTHS, MIN_RETENTION_MONTHS, retentionDueAt } from './retention';
import { campaignIdBySlug, campaignPeople, markCampaignErased, retentionCandidates, setRetentionMonths } from './retention-repository';

export interface RetentionDeps {
  database: Database_;
  clock: Clock;
}

export interface RetentionRun {
  campaigns: { slug: string; orders: number; recipientLines: number; organisations: number; dueAt: string }[];
}

/**
 * Erases the personal data of every campaign past its retention: each campaign in its own
 * transaction (a campaign of 10 000 beneficiaries is one short write), marked done in it, so a
 * run cut short resumes where it stopped and a campaign is never processed twice.
 * Logged in the audit log as `campaign_personal_data_erase` by `system:personal-data-retention`.
 */
export function runRetention(deps: RetentionDeps, actor = 'system:personal-data-retention'): RetentionRun {
  const now = deps.clock.now();
  const due = retentionCandidates(deps.database.db).filter((c) => isRetentionDue(c, now));
  const out: RetentionRun = { campaigns: [] };
  for (const c of due) {
    out.campaigns.push(
      deps.database.transaction((tx) => {
        const people = campaignPeople(tx, c.id);
        const dueAt = retentionDueAt(c).toISOString();
        // Texts first: they are searched for the names and emails about to be pseudonymised.
        redactCampaignTexts(tx, c.id);
        pseudonymiseBuyers(tx, people.orderIds, now);
        clearRecipientsOfItems(tx, people.itemIds);
        forgetGifts(tx, { campaignId: c.id });
        pseudonymiseOrganisationContacts(tx, people.organisationIds);
        forgetCampaignMessages(tx, c.id, now);
        markCampaignErased(tx, c.id, now);
        const done = { slug: c.slug, orders: people.orderIds.length, recipientLines: people.itemIds.length, organisations: people.organisationIds.length, dueAt };
        audit(tx, { actor, action: 'campaign_personal_data_erase', entityType: 'campaign', entityId: c.id, after: done }, now);
        return done;
      }),
    );
  }
  return out;
}

/** The operator sets how long a campaign's personal data are kept once it is over. */
export function setCampaignRetention(deps: RetentionDeps, slug: string, months: number, actor: string): void {
  if (!Number.isInteger(months) || months < MIN_RETENTION_MONTHS || months > MAX_RETENTION_MONTHS) {
    throw new AppError('RETENTION_MONTHS', 400, 'privacy.errors.months', { months: 'privacy.errors.months' }, { min: MIN_RETENTION_MONTHS, max: MAX_RETENTION_MONTHS });
  }
  deps.database.transaction((tx) => {
    const c = campaignIdBySlug(tx, slug);
    if (!c) throw new AppError('CAMPAIGN_NOT_FOUND', 404, 'privacy.errors.campaign');
    setRetentionMonths(tx, c.id, months);
    audit(tx, { actor, action: 'campaign_retention_set', entityType: 'campaign', entityId: c.id, before: { months: c.retentionMonths }, after: { months } }, deps.clock.now());
  });
}
