import type { Tx } from '../../../db/client';
import { AppError } from '../../lib/errors';
import type { Campaign } from './campaign';
import { findCampaignBySlug } from './campaigns-repository';

/** A campaign the public may see (anything but a draft), or CAMPAIGN_NOT_FOUND. */
export function publicCampaign(tx: Tx, slug: string): Campaign {
  const campaign = findCampaignBySlug(tx, slug);
  if (!campaign || campaign.status === 'draft') throw new AppError('CAMPAIGN_NOT_FOUND', 404, 'errors.campaign_not_found');
  return campaign;
}
