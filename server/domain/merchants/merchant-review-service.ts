import { and, desc, eq, like, or, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { merchants, merchantUsers } from '../../../db/schema/index';
import { AppError } from '../../lib/errors';
import { enqueueMessage } from '../../mail/outbox-repository';
import { audit } from '../audit/audit-log';
import type { ShopDetails } from './onboarding-form';
import { assertEmailFree, assertSiretFree, assignableCampaigns, ownerOf, replaceCampaigns, type OnboardingDeps } from './onboarding-service';
import { findMerchantBySlug, type Merchant } from './merchant-users-repository';
import { issuePasswordLink } from './merchant-users-service';

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

function load(tx: Tx, slug: string): Merchant {
  const m = findMerchantBySlug(tx, slug);
  if (!m) throw new AppError('MERCHANT_NOT_FOUND', 404, 'errors.merchant_not_found');
  return m;
}

function setStatus(tx: Tx, m: Merchant, status: MerchantStatus, reason: string | null, actor: string, now: Date, action: string): void {
  tx.update(merchants).set({ status, statusReason: reason }).where(eq(merchants.id, m.id)).run();
  audit(tx, { actor, action, entityType: 'merchant', entityId: m.id, before: { status: m.status }, after: { status }, reason }, now);
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
export function approveMerchant(deps: OnboardingDeps, slug: string, by: ReviewActor): { invited: boolean } {
  return deps.database.transaction((tx) => {
    const m = load(tx, slug);
    assertFrom(m, ['pending', 'rejected']);
    const now = deps.clock.now();
    setStatus(tx, m, 'approved', null, by.actor, now, 'merchant.approve');
    const owner = ownerOf(tx, m.id);
    if (!owner || owner.passwordHash || owner.removedAt) return { invited: false };
    issuePasswordLink(tx, now, owner, 'owner_invitation', SHOP_MAIL_LOCALE);
    return { invited: true };
  });
}

/** A new link for an approved shop's owner who has not chosen a password yet (lost or expired mail). */
export function reinviteOwner(deps: OnboardingDeps, slug: string, by: ReviewActor): void {
  deps.database.transaction((tx) => {
    const m = load(tx, slug);
    assertFrom(m, ['approved']);
    const owner = ownerOf(tx, m.id);
    if (!owner || owner.passwordHash || owner.removedAt) throw new AppError('OWNER_ACTIVE', 409, 'onboarding.errors.owner_active');
    const now = deps.clock.now();
    issuePasswordLink(tx, now, owner, 'owner_invitation', SHOP_MAIL_LOCALE);
    audit(tx, { actor: by.actor, action: 'merchant.reinvite', entityType: 'merchant', entityId: m.id }, now);
  });
}

/** Refuses an application; the reason is kept and mailed to the shop's contact. */
export function rejectMerchant(deps: OnboardingDeps, slug: string, reason: string, by: ReviewActor): void {
  deps.database.transaction((tx) => {
    const m = load(tx, slug);
    assertFrom(m, ['pending']);
    const now = deps.clock.now();
    setStatus(tx, m, 'rejected', reason, by.actor, now, 'merchant.reject');
    const to = m.contactEmail ?? ownerOf(tx, m.id)?.email;
    if (to) enqueueMessage(tx, { kind: 'merchant_rejected', recipient: to, payload: { merchantId: m.id, reason, locale: SHOP_MAIL_LOCALE } }, now);
  });
}

/**
 * Suspends an approved shop: it leaves the public lists, its users' sessions stop
 * resolving (userForSession requires `approved`), its API keys are refused
 * (MERCHANT_SUSPENDED) and redemption refuses it. Nothing is deleted: reactivation restores all.
 */
export function suspendMerchant(deps: OnboardingDeps, slug: string, reason: string, by: ReviewActor): void {
  deps.database.transaction((tx) => {
    const m = load(tx, slug);
    assertFrom(m, ['approved']);
    setStatus(tx, m, 'suspended', reason, by.actor, deps.clock.now(), 'merchant.suspend');
  });
}

export function reactivateMerchant(deps: OnboardingDeps, slug: string, by: ReviewActor): void {
  deps.database.transaction((tx) => {
    const m = load(tx, slug);
    assertFrom(m, ['suspended']);
    setStatus(tx, m, 'approved', null, by.actor, deps.clock.now(), 'merchant.reactivate');
  });
}

/**
 * Corrects a shop's details (same validation as the application). The owner's name and
 * email follow the contact while the owner has not chosen a password: the invitation must
 * reach the corrected address. Afterwards the owner's login is theirs to keep.
 */
export function updateMerchantDetails(deps: OnboardingDeps, slug: string, d: ShopDetails, by: ReviewActor): void {
  deps.database.transaction((tx) => {
    const m = load(tx, slug);
    assertSiretFree(tx, d.siret, m.id);
    const owner = ownerOf(tx, m.id);
    const followContact = owner && !owner.passwordHash && !owner.removedAt;
    if (followContact) assertEmailFree(tx, d.contactEmail, owner.id);
    const patch = {
      name: d.name, siret: d.siret, category: d.category, address: d.address, postalCode: d.postalCode, city: d.city, iban: d.iban, bic: d.bic,
      accountHolder: d.accountHolder, contactEmail: d.contactEmail, phone: d.phone, openingHours: d.openingHours, website: d.website,
    };
    tx.update(merchants).set(patch).where(eq(merchants.id, m.id)).run();
    if (followContact) tx.update(merchantUsers).set({ name: d.contactName, email: d.contactEmail }).where(eq(merchantUsers.id, owner.id)).run();
    // Bank details are logged as changed, never in clear: the audit log is read by every role.
    const before = { ...pick(m, patch), iban: m.iban ? `…${m.iban.slice(-4)}` : null };
    audit(tx, { actor: by.actor, action: 'merchant.update', entityType: 'merchant', entityId: m.id, before, after: { ...patch, iban: `…${d.iban.slice(-4)}` } }, deps.clock.now());
  });
}

const pick = (m: Merchant, keys: object) => Object.fromEntries(Object.keys(keys).map((k) => [k, m[k as keyof Merchant]]));

/** The campaigns the shop accepts (effective only while the shop is approved). */
export function setMerchantCampaigns(deps: OnboardingDeps, slug: string, ids: string[], by: ReviewActor): string[] {
  return deps.database.transaction((tx) => {
    const m = load(tx, slug);
    const kept = replaceCampaigns(tx, m.id, ids, assignableCampaigns(tx), m.category);
    audit(tx, { actor: by.actor, action: 'merchant.campaigns', entityType: 'merchant', entityId: m.id, after: { campaigns: kept } }, deps.clock.now());
    return kept;
  });
}
