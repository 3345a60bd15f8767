import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { campaignMerchants, campaigns, merchants, merchantUsers } from '../../../db/schema/index';
import { done, type Step } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { audit, type AuditInput } from '../audit/audit-log';
import { acceptsCategory } from '../campaigns/accepted-categories';
import type { Merchant } from './merchant-users-repository';
import { slugify, type ShopDetails } from './onboarding-form';
import { assertEmailFree, assertSiretFree, openCampaigns } from './onboarding-service';

/**
 * A shop's public application (/commercants/candidature), written once as Steps over this
 * store: SQLite here (the onboarding repository code, inside BEGIN IMMEDIATE, which
 * serialises applications), PostgreSQL in application-store-pg.ts (an advisory lock does).
 */
export interface ApplicationStore {
  /** Campaigns a shop can ask to join: the active ones, by name. */
  openCampaigns(): Step<{ id: string; name: string }[]>;
  /** Serialises applications until the unit ends: the SIRET and email checks hold until the insert. */
  lockApplications(): Step<void>;
  /** SIRET_TAKEN / EMAIL_TAKEN (409, with the field) when another shop or account has it. */
  assertSiretFree(siret: string): Step<void>;
  assertEmailFree(email: string): Step<void>;
  slugTaken(slug: string): Step<boolean>;
  activeCampaigns(ids: string[]): Step<{ id: string; acceptedCategories: string | null }[]>;
  insertMerchant(m: Merchant): Step<void>;
  linkCampaigns(merchantId: string, campaignIds: string[]): Step<void>;
  insertOwner(row: { id: string; merchantId: string; email: string; name: string; createdAt: string }): Step<void>;
  audit(e: AuditInput, now: Date): Step<void>;
}

export function sqliteApplicationStore(tx: Tx): ApplicationStore {
  return {
    openCampaigns: () => done(openCampaigns(tx)),
    lockApplications: () => done(undefined),
    assertSiretFree: (siret) => done(assertSiretFree(tx, siret)),
    assertEmailFree: (email) => done(assertEmailFree(tx, email)),
    slugTaken: (slug) => done(!!tx.select({ id: merchants.id }).from(merchants).where(eq(merchants.slug, slug)).get()),
    activeCampaigns: (ids) => done(ids.length ? tx.select({ id: campaigns.id, acceptedCategories: campaigns.acceptedCategories }).from(campaigns).where(and(inArray(campaigns.id, ids), eq(campaigns.status, 'active'))).all() : []),
    insertMerchant: (m) => done(void tx.insert(merchants).values(m).run()),
    linkCampaigns: (merchantId, ids) => done(void (ids.length && tx.insert(campaignMerchants).values(ids.map((campaignId) => ({ campaignId, merchantId }))).run())),
    insertOwner: (row) => done(void tx.insert(merchantUsers).values({ ...row, role: 'owner', passwordHash: null, removedAt: null }).run()),
    audit: (e, now) => done(audit(tx, e, now)),
  };
}

/** "name", then "name-city", then "name-2", "name-3"…: readable and unique. */
function* uniqueSlug(store: ApplicationStore, name: string, city: string): Step<string> {
  const base = slugify(name);
  for (const c of [base, `${base}-${slugify(city)}`]) if (!(yield* store.slugTaken(c))) return c;
  for (let i = 2; ; i++) if (!(yield* store.slugTaken(`${base}-${i}`))) return `${base}-${i}`;
}

/**
 * A shop applies from the public form. One unit of work: a `pending` merchant (shown
 * nowhere and refused by the till and the API until approved), the campaigns it asks to
 * accept (active ones whose accepted categories include its own), and its owner account
 * without a password. No mail yet: the owner is invited when an operator approves the shop.
 */
export function* applyForShopSteps(store: ApplicationStore, deps: { clock: Clock }, input: { details: ShopDetails; campaignIds: string[] }): Step<Merchant> {
  const d = input.details;
  yield* store.lockApplications();
  yield* store.assertSiretFree(d.siret);
  yield* store.assertEmailFree(d.contactEmail);
  const now = deps.clock.now();
  const createdAt = now.toISOString();
  const merchant: Merchant = {
    id: newId(),
    slug: yield* uniqueSlug(store, d.name, d.city),
    name: d.name,
    category: d.category,
    address: d.address,
    postalCode: d.postalCode,
    city: d.city,
    website: d.website,
    siret: d.siret,
    iban: d.iban,
    bic: d.bic,
    accountHolder: d.accountHolder,
    stripeAccountId: null,
    contactEmail: d.contactEmail,
    phone: d.phone,
    openingHours: d.openingHours,
    latitude: null,
    longitude: null,
    statusReason: null,
    status: 'pending',
    createdAt,
  };
  yield* store.insertMerchant(merchant);
  const allowed = yield* store.activeCampaigns(input.campaignIds);
  // A new shop has no campaign yet: only the category rule decides (replaceCampaigns' rule for it).
  yield* store.linkCampaigns(merchant.id, input.campaignIds.filter((id) => allowed.some((c) => c.id === id && acceptsCategory(c.acceptedCategories, merchant.category))));
  yield* store.insertOwner({ id: newId(), merchantId: merchant.id, email: d.contactEmail, name: d.contactName, createdAt });
  yield* store.audit({ actor: 'public:application', action: 'merchant.apply', entityType: 'merchant', entityId: merchant.id, after: { slug: merchant.slug, status: 'pending' } }, now);
  return merchant;
}
