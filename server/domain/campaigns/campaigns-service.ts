import type { Tx } from '../../../db/client';
import type { Step } from '../../../db/unit-of-work';
import { AppError } from '../../lib/errors';
import type { Campaign } from './campaign';
import { findCampaignBySlug } from './campaigns-repository';
import type { CatalogStore } from './catalog-store';

/** A campaign the public may see (anything but a draft), or CAMPAIGN_NOT_FOUND. */
export function publicCampaign(tx: Tx, slug: string): Campaign {
  const campaign = findCampaignBySlug(tx, slug);
  if (!campaign || campaign.status === 'draft') throw new AppError('CAMPAIGN_NOT_FOUND', 404, 'errors.campaign_not_found');
  return campaign;
}

/** `publicCampaign` over the catalog store: the same rule on either backend. */
export function* publicCampaignStep(store: CatalogStore, slug: string): Step<Campaign> {
  const campaign = yield* store.campaignBySlug(slug);
  if (!campaign || campaign.status === 'draft') throw new AppError('CAMPAIGN_NOT_FOUND', 404, 'errors.campaign_not_found');
  return campaign;
}
