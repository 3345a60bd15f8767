import { eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { merchants, merchantUsers } from '../../../db/schema/index';
import { done, type Step } from '../../../db/unit-of-work';
import { audit, type AuditInput } from '../audit/audit-log';
import { findMerchantBySlug, type Merchant, type MerchantUser } from './merchant-users-repository';
import { assertEmailFree, assertSiretFree, assignableCampaigns, campaignIdsOf, ownerOf, replaceCampaigns } from './onboarding-service';
import { sqliteShopAccountStore, type ShopAccountStore } from './shop-accounts-store';
import { searchMerchants } from './merchant-review-service';

export type AssignableCampaign = { id: string; name: string; status: string; acceptedCategories: string | null };
export type MerchantPatch = Partial<Pick<Merchant, 'name' | 'siret' | 'category' | 'address' | 'postalCode' | 'city' | 'iban' | 'bic' | 'accountHolder' | 'contactEmail' | 'phone' | 'openingHours' | 'website'>>;

/**
 * What the operator's shop review (merchant-review-service.ts) and its pages read and write.
 * SQLite: the onboarding repository functions (inside BEGIN IMMEDIATE for writes);
 * PostgreSQL: merchant-review-store-pg.ts (the shop row read FOR UPDATE in a write: two
 * operators acting at once meet each other's outcome, as BEGIN IMMEDIATE makes them on SQLite).
 */
export interface MerchantReviewStore {
  /** Password links and the outbox (passwordLinkSteps). */
  accounts: ShopAccountStore;
  merchantForUpdate(slug: string): Step<Merchant | undefined>;
  owner(merchantId: string): Step<MerchantUser | undefined>;
  setStatus(merchantId: string, status: Merchant['status'], reason: string | null): Step<void>;
  /** SIRET_TAKEN / EMAIL_TAKEN (409, with the field) when another shop or account has it. */
  assertSiretFree(siret: string, exceptMerchantId: string): Step<void>;
  assertEmailFree(email: string, exceptUserId: string): Step<void>;
  updateMerchant(merchantId: string, patch: MerchantPatch): Step<void>;
  updateOwnerContact(userId: string, name: string, email: string): Step<void>;
  /** Every campaign but drafts, by name. */
  assignableCampaigns(): Step<AssignableCampaign[]>;
  campaignIds(merchantId: string): Step<string[]>;
  /** Keeps the allowed ids (accepted category, or already linked) and replaces the links; returns them. */
  replaceCampaigns(merchantId: string, ids: string[], allowed: AssignableCampaign[], category: string): Step<string[]>;
  audit(e: AuditInput, now: Date): Step<void>;
  /** The back-office list: newest first, filtered by status and a free-text search (see searchMerchants). */
  search(filter: MerchantFilter, limit: number): Step<MerchantSearch>;
}

export interface MerchantFilter {
  status?: Merchant['status'];
  q?: string;
}
export interface MerchantSearch {
  rows: Pick<Merchant, 'slug' | 'name' | 'city' | 'category' | 'siret' | 'status' | 'createdAt'>[];
  counts: Partial<Record<Merchant['status'], number>>;
}

export function sqliteMerchantReviewStore(tx: Tx): MerchantReviewStore {
  return {
    accounts: sqliteShopAccountStore(tx),
    merchantForUpdate: (slug) => done(findMerchantBySlug(tx, slug)),
    owner: (merchantId) => done(ownerOf(tx, merchantId)),
    setStatus: (id, status, reason) => done(void tx.update(merchants).set({ status, statusReason: reason }).where(eq(merchants.id, id)).run()),
    assertSiretFree: (siret, except) => done(assertSiretFree(tx, siret, except)),
    assertEmailFree: (email, except) => done(assertEmailFree(tx, email, except)),
    updateMerchant: (id, patch) => done(void tx.update(merchants).set(patch).where(eq(merchants.id, id)).run()),
    updateOwnerContact: (userId, name, email) => done(void tx.update(merchantUsers).set({ name, email }).where(eq(merchantUsers.id, userId)).run()),
    assignableCampaigns: () => done(assignableCampaigns(tx)),
    campaignIds: (merchantId) => done(campaignIdsOf(tx, merchantId)),
    replaceCampaigns: (merchantId, ids, allowed, category) => done(replaceCampaigns(tx, merchantId, ids, allowed, category)),
    audit: (e, now) => done(audit(tx, e, now)),
    search: (filter, limit) => done(searchMerchants(tx, filter, limit)),
  };
}
