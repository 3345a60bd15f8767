import { and, desc, eq, like, or, sql } from 'drizzle-orm';
import type { Database_, Tx } from '../../../db/client';
import { runSync, type Step } from '../../../db/unit-of-work';
import { merchants } from '../../../db/schema/index';
import { AppError } from '../../lib/errors';
import type { ShopDetails } from './onboarding-form';
import type { OnboardingDeps } from './onboarding-service';
import type { Merchant } from './merchant-users-repository';
import { passwordLinkSteps } from './merchant-users-service';
import { sqliteMerchantReviewStore, type MerchantReviewStore } from './merchant-review-store';

export const MERCHANT_STATUSES = ['pending', 'approved', 'suspended', 'rejected'] as const;
export type MerchantStatus = (typeof MERCHANT_STATUSES)[number];

/**
 * Mails to a shop go out in French: the applicant's language is not stored and the
 * programme's shops are French businesses. (The link pages follow the browser's language.)
 */
const SHOP_MAIL_LOCALE = 'fr';

export interface ReviewActor {
  /** 'operator:<id>', as in the audit log. */
  actor: string;
}

/** The back-office list: newest first, filtered by status and a free-text search. */
export function searchMerchants(tx: Tx, filter: { status?: MerchantStatus; q?: string }, limit = 200) {
  const conds = [];
  if (filter.status) conds.push(eq(merchants.status, filter.status));
  const q = filter.q?.trim();
  if (q) {
    // LIKE wildcards typed by the operator are taken literally.
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const digits = q.replace(/\s/g, '');
    conds.push(
      or(
        sql`${merchants.name} LIKE ${pattern} ESCAPE '\\'`,
        sql`${merchants.city} LIKE ${pattern} ESCAPE '\\'`,
        sql`${merchants.contactEmail} LIKE ${pattern} ESCAPE '\\'`,
        like(merchants.slug, pattern),
        /^\d{3,14}$/.test(digits) ? like(merchants.siret, `${digits}%`) : sql`0`,
      )!,
    );
  }
  const rows = tx
    .select({ slug: merchants.slug, name: merchants.name, city: merchants.city, category: merchants.category, siret: merchants.siret, status: merchants.status, createdAt: merchants.createdAt })
    .from(merchants)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(merchants.createdAt), merchants.name)
    .limit(limit)
    .all();
  const counts = Object.fromEntries(tx.select({ status: merchants.status, n: sql<number>`count(*)` }).from(merchants).groupBy(merchants.status).all().map((r) => [r.status, r.n]));
  return { rows, counts: counts as Partial<Record<MerchantStatus, number>> };
}

function* load(store: MerchantReviewStore, slug: string): Step<Merchant> {
  const m = yield* store.merchantForUpdate(slug);
  if (!m) throw new AppError('MERCHANT_NOT_FOUND', 404, 'errors.merchant_not_found');
  return m;
}

function* setStatus(store: MerchantReviewStore, m: Merchant, status: MerchantStatus, reason: string | null, actor: string, now: Date, action: string): Step<void> {
  yield* store.setStatus(m.id, status, reason);
  yield* store.audit({ actor, action, entityType: 'merchant', entityId: m.id, before: { status: m.status }, after: { status }, reason }, now);
}

/** The allowed moves; anything else is a 409 the page shows (e.g. two operators at once). */
function assertFrom(m: Merchant, allowed: MerchantStatus[]): void {
  if (!allowed.includes(m.status)) throw new AppError('MERCHANT_STATUS_CONFLICT', 409, 'onboarding.errors.status_conflict', undefined, { status: m.status });
}

/**
 * Approves a pending (or previously rejected) shop: it appears on the public pages of its
 * campaigns and can redeem. Its owner gets a one-time link (7 days) to choose a password,
 * through the same password_tokens table and set-password page as staff invitations.
 */
export function* approveMerchantSteps(store: MerchantReviewStore, now: Date, slug: string, by: ReviewActor): Step<{ invited: boolean }> {
  const m = yield* load(store, slug);
  assertFrom(m, ['pending', 'rejected']);
  yield* setStatus(store, m, 'approved', null, by.actor, now, 'merchant.approve');
  const owner = yield* store.owner(m.id);
  if (!owner || owner.passwordHash || owner.removedAt) return { invited: false };
  yield* passwordLinkSteps(store.accounts, now, owner, 'owner_invitation', SHOP_MAIL_LOCALE);
  return { invited: true };
}

/** A new link for an approved shop's owner who has not chosen a password yet (lost or expired mail). */
export function* reinviteOwnerSteps(store: MerchantReviewStore, now: Date, slug: string, by: ReviewActor): Step<void> {
  const m = yield* load(store, slug);
  assertFrom(m, ['approved']);
  const owner = yield* store.owner(m.id);
  if (!owner || owner.passwordHash || owner.removedAt) throw new AppError('OWNER_ACTIVE', 409, 'onboarding.errors.owner_active');
  yield* passwordLinkSteps(store.accounts, now, owner, 'owner_invitation', SHOP_MAIL_LOCALE);
  yield* store.audit({ actor: by.actor, action: 'merchant.reinvite', entityType: 'merchant', entityId: m.id }, now);
}

/** Refuses an application; the reason is kept and mailed to the shop's contact. */
export function* rejectMerchantSteps(store: MerchantReviewStore, now: Date, slug: string, reason: string, by: ReviewActor): Step<void> {
  const m = yield* load(store, slug);
  assertFrom(m, ['pending']);
  yield* setStatus(store, m, 'rejected', reason, by.actor, now, 'merchant.reject');
  const to = m.contactEmail ?? (yield* store.owner(m.id))?.email;
  if (to) yield* store.accounts.enqueue({ kind: 'merchant_rejected', recipient: to, payload: { merchantId: m.id, reason, locale: SHOP_MAIL_LOCALE } }, now);
}

/**
 * Suspends an approved shop: it leaves the public lists, its users' sessions stop
 * resolving (userForSession requires `approved`), its API keys are refused
 * (MERCHANT_SUSPENDED) and redemption refuses it. Nothing is deleted: reactivation restores all.
 */
export function* suspendMerchantSteps(store: MerchantReviewStore, now: Date, slug: string, reason: string, by: ReviewActor): Step<void> {
  const m = yield* load(store, slug);
  assertFrom(m, ['approved']);
  yield* setStatus(store, m, 'suspended', reason, by.actor, now, 'merchant.suspend');
}

export function* reactivateMerchantSteps(store: MerchantReviewStore, now: Date, slug: string, by: ReviewActor): Step<void> {
  const m = yield* load(store, slug);
  assertFrom(m, ['suspended']);
  yield* setStatus(store, m, 'approved', null, by.actor, now, 'merchant.reactivate');
}

/**
 * Corrects a shop's details (same validation as the application). The owner's name and
 * email follow the contact while the owner has not chosen a password: the invitation must
 * reach the corrected address. Afterwards the owner's login is theirs to keep.
 */
export function* updateMerchantDetailsSteps(store: MerchantReviewStore, now: Date, slug: string, d: ShopDetails, by: ReviewActor): Step<void> {
  const m = yield* load(store, slug);
  yield* store.assertSiretFree(d.siret, m.id);
  const owner = yield* store.owner(m.id);
  const followContact = owner && !owner.passwordHash && !owner.removedAt;
  if (followContact) yield* store.assertEmailFree(d.contactEmail, owner.id);
  const patch = {
    name: d.name, siret: d.siret, category: d.category, address: d.address, postalCode: d.postalCode, city: d.city, iban: d.iban, bic: d.bic,
    accountHolder: d.accountHolder, contactEmail: d.contactEmail, phone: d.phone, openingHours: d.openingHours, website: d.website,
  };
  yield* store.updateMerchant(m.id, patch);
  if (followContact) yield* store.updateOwnerContact(owner.id, d.contactName, d.contactEmail);
  // Bank details are logged as changed, never in clear: the audit log is read by every role.
  const before = { ...pick(m, patch), iban: m.iban ? `…${m.iban.slice(-4)}` : null };
  yield* store.audit({ actor: by.actor, action: 'merchant.update', entityType: 'merchant', entityId: m.id, before, after: { ...patch, iban: `…${d.iban.slice(-4)}` } }, now);
}

const pick = (m: Merchant, keys: object) => Object.fromEntries(Object.keys(keys).map((k) => [k, m[k as keyof Merchant]]));

/** The campaigns the shop accepts (effective only while the shop is approved). */
export function* setMerchantCampaignsSteps(store: MerchantReviewStore, now: Date, slug: string, ids: string[], by: ReviewActor): Step<string[]> {
  const m = yield* load(store, slug);
  const kept = yield* store.replaceCampaigns(m.id, ids, yield* store.assignableCampaigns(), m.category);
  yield* store.audit({ actor: by.actor, action: 'merchant.campaigns', entityType: 'merchant', entityId: m.id, after: { campaigns: kept } }, now);
  return kept;
}

// The SQLite calls seeds, the CLI and tests make directly: one BEGIN IMMEDIATE transaction each.
type Deps = { database: Database_; clock: OnboardingDeps['clock'] };
const onSqlite = <T>(deps: Deps, work: (store: MerchantReviewStore, now: Date) => Step<T>): T =>
  deps.database.transaction((tx) => runSync(work(sqliteMerchantReviewStore(tx), deps.clock.now())));

export const approveMerchant = (deps: Deps, slug: string, by: ReviewActor) => onSqlite(deps, (s, now) => approveMerchantSteps(s, now, slug, by));
export const reinviteOwner = (deps: Deps, slug: string, by: ReviewActor) => onSqlite(deps, (s, now) => reinviteOwnerSteps(s, now, slug, by));
export const rejectMerchant = (deps: Deps, slug: string, reason: string, by: ReviewActor) => onSqlite(deps, (s, now) => rejectMerchantSteps(s, now, slug, reason, by));
export const suspendMerchant = (deps: Deps, slug: string, reason: string, by: ReviewActor) => onSqlite(deps, (s, now) => suspendMerchantSteps(s, now, slug, reason, by));
export const reactivateMerchant = (deps: Deps, slug: string, by: ReviewActor) => onSqlite(deps, (s, now) => reactivateMerchantSteps(s, now, slug, by));
export const updateMerchantDetails = (deps: Deps, slug: string, d: ShopDetails, by: ReviewActor) => onSqlite(deps, (s, now) => updateMerchantDetailsSteps(s, now, slug, d, by));
export const setMerchantCampaigns = (deps: Deps, slug: string, ids: string[], by: ReviewActor): string[] => onSqlite(deps, (s, now) => setMerchantCampaignsSteps(s, now, slug, ids, by));
