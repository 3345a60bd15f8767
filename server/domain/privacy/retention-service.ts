import type { Step } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { isRetentionDue, MAX_RETENTION_MONTHS, MIN_RETENTION_MONTHS, retentionDueAt } from './retention';
import type { RetentionCandidate } from './retention-repository';
import { personalDataReads, personalDataUnits, type PersonalDataBackend, type PersonalDataStore } from './personal-data-store';

export interface RetentionDeps extends PersonalDataBackend {
  clock: Clock;
}

type ErasedCampaign = { slug: string; orders: number; recipientLines: number; organisations: number; dueAt: string };
export interface RetentionRun {
  campaigns: ErasedCampaign[];
}

/**
 * Erases the personal data of every campaign past its retention: each campaign in its own
 * unit of work (a campaign of 10 000 beneficiaries is one short write), marked done in it, so a
 * run cut short resumes where it stopped and a campaign is never processed twice (a campaign a
 * concurrent run erased first is skipped). Logged in the audit log as
 * `campaign_personal_data_erase` by `system:personal-data-retention`. Synchronous on SQLite.
 */
export function runRetention(deps: RetentionDeps, actor = 'system:personal-data-retention'): RetentionRun | Promise<RetentionRun> {
  const now = deps.clock.now();
  const units = personalDataUnits(deps);
  const erase = (c: RetentionCandidate) => units((store) => eraseCampaignSteps(store, c, now, actor));
  const candidates = personalDataReads(deps)((store) => store.retentionCandidates());
  if (!(candidates instanceof Promise)) {
    const campaigns = candidates.filter((c) => isRetentionDue(c, now)).map((c) => erase(c) as ErasedCampaign | null);
    return { campaigns: campaigns.filter((c) => c !== null) };
  }
  return (async () => {
    const out: RetentionRun = { campaigns: [] };
    for (const c of (await candidates).filter((c) => isRetentionDue(c, now))) {
      const done = await erase(c);
      if (done) out.campaigns.push(done);
    }
    return out;
  })();
}

function* eraseCampaignSteps(store: PersonalDataStore, c: RetentionCandidate, now: Date, actor: string): Step<ErasedCampaign | null> {
  if (!(yield* store.campaignStillToErase(c.id))) return null;
  const people = yield* store.campaignPeople(c.id);
  const dueAt = retentionDueAt(c).toISOString();
  // Texts first: they are searched for the names and emails about to be pseudonymised.
  yield* store.redactCampaignTexts(c.id);
  yield* store.pseudonymiseBuyers(people.orderIds, now);
  yield* store.clearRecipientsOfItems(people.itemIds);
  yield* store.forgetGifts({ campaignId: c.id });
  yield* store.pseudonymiseOrganisationContacts(people.organisationIds);
  yield* store.forgetCampaignMessages(c.id, now);
  yield* store.markCampaignErased(c.id, now);
  const done = { slug: c.slug, orders: people.orderIds.length, recipientLines: people.itemIds.length, organisations: people.organisationIds.length, dueAt };
  yield* store.audit({ actor, action: 'campaign_personal_data_erase', entityType: 'campaign', entityId: c.id, after: done }, now);
  return done;
}

/** The operator sets how long a campaign's personal data are kept once it is over. */
export function setCampaignRetention(deps: RetentionDeps, slug: string, months: number, actor: string): void | Promise<void> {
  if (!Number.isInteger(months) || months < MIN_RETENTION_MONTHS || months > MAX_RETENTION_MONTHS) {
    throw new AppError('RETENTION_MONTHS', 400, 'privacy.errors.months', { months: 'privacy.errors.months' }, { min: MIN_RETENTION_MONTHS, max: MAX_RETENTION_MONTHS });
  }
  return personalDataUnits(deps)(function* (store): Step<void> {
    const c = yield* store.campaignIdBySlug(slug);
    if (!c) throw new AppError('CAMPAIGN_NOT_FOUND', 404, 'privacy.errors.campaign');
    yield* store.setRetentionMonths(c.id, months);
    yield* store.audit({ actor, action: 'campaign_retention_set', entityType: 'campaign', entityId: c.id, before: { months: c.retentionMonths }, after: { months } }, deps.clock.now());
  });
}
