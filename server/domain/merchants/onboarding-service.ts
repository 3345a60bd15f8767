import { and, asc, eq, ne } from 'drizzle-orm';
import type { Database_, Tx } from '../../../db/client';
import { campaignMerchants, campaigns, merchants, merchantUsers } from '../../../db/schema/index';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { acceptsCategory } from '../campaigns/accepted-categories';

export interface OnboardingDeps {
  database: Database_;
  clock: Clock;
}

/** Campaigns a shop can ask to join from the public form: the ones on sale now. */
export function openCampaigns(tx: Tx): { id: string; name: string }[] {
  return tx.select({ id: campaigns.id, name: campaigns.name }).from(campaigns).where(eq(campaigns.status, 'active')).orderBy(asc(campaigns.name)).all();
}

/** Campaigns an operator can attach a shop to: every campaign except drafts. */
export function assignableCampaigns(tx: Tx): { id: string; name: string; status: string; acceptedCategories: string | null }[] {
  return tx.select({ id: campaigns.id, name: campaigns.name, status: campaigns.status, acceptedCategories: campaigns.acceptedCategories }).from(campaigns).where(ne(campaigns.status, 'draft')).orderBy(asc(campaigns.name)).all();
}

export function campaignIdsOf(tx: Tx, merchantId: string): string[] {
  return tx.select({ id: campaignMerchants.campaignId }).from(campaignMerchants).where(eq(campaignMerchants.merchantId, merchantId)).all().map((r) => r.id);
}

/** The shop's owner account (the person who applied), if any. */
export function ownerOf(tx: Tx, merchantId: string) {
  return tx.select().from(merchantUsers).where(and(eq(merchantUsers.merchantId, merchantId), eq(merchantUsers.role, 'owner'))).orderBy(asc(merchantUsers.createdAt)).get();
}

/**
 * SIRET is not unique in the schema (demo shops have none), so the check lives here,
 * inside the write transaction (BEGIN IMMEDIATE serialises it against a double submit).
 */
export function assertSiretFree(tx: Tx, siret: string, exceptMerchantId?: string): void {
  const other = tx.select({ id: merchants.id }).from(merchants).where(eq(merchants.siret, siret)).all().find((m) => m.id !== exceptMerchantId);
  if (other) throw new AppError('SIRET_TAKEN', 409, 'onboarding.errors.siret_taken', { siret: 'onboarding.errors.siret_taken' });
}

export function assertEmailFree(tx: Tx, email: string, exceptUserId?: string): void {
  const other = tx.select({ id: merchantUsers.id }).from(merchantUsers).where(eq(merchantUsers.email, email)).get();
  if (other && other.id !== exceptUserId) throw new AppError('EMAIL_TAKEN', 409, 'onboarding.errors.email_taken', { contactEmail: 'onboarding.errors.email_taken' });
}


/**
 * Keeps only ids of campaigns in `allowed` whose accepted categories include the shop's
 * (a link that already exists stays: see accepted-categories.ts), then replaces the list.
 */
export function replaceCampaigns(tx: Tx, merchantId: string, ids: string[], allowed: { id: string; acceptedCategories: string | null }[], category: string): string[] {
  const existing = campaignIdsOf(tx, merchantId);
  const keep = ids.filter((id) => allowed.some((c) => c.id === id && (existing.includes(id) || acceptsCategory(c.acceptedCategories, category))));
  tx.delete(campaignMerchants).where(eq(campaignMerchants.merchantId, merchantId)).run();
  if (keep.length) tx.insert(campaignMerchants).values(keep.map((campaignId) => ({ campaignId, merchantId }))).run();
  return keep;
}

// The public application itself (applyForShopSteps): application-store.ts, on either backend.
