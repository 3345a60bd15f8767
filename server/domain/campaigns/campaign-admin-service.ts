import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database_ } from '../../../db/client';
import { runSync, type Step } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { slugify } from '../merchants/onboarding-form';
import type { Campaign } from './campaign';
import { sqliteCampaignAdminStore, type CampaignAdminStore } from './campaign-admin-store';
import type { CampaignInput } from './campaign-form';

/**
 * The operator's writes on campaigns: create (always a draft), edit, publish, close. Each is
 * one transaction with its audit entry. What the books need:
 * - issued vouchers carry their own value and expiry (vouchers.expires_at), so denominations,
 *   amount bounds, validity and per-order limits may change at any time: they apply to
 *   future sales only;
 * - the commission rate is read at settlement and stored on each statement_campaigns row
 *   (commission_bps), so a new rate applies to redemptions settled from then on;
 * - the service fee is stored on each order (fee_cents), so a new org fee applies to new orders;
 * - the breakage rule is read when vouchers expire: already-booked breakage stays where it went;
 * - the slug is fixed at creation (it is in printed links and QR posters), the currency too;
 * - the bonus budget cannot go below what orders already reserved or used;
 * - a closed campaign is no longer edited (its figures are final; reports read it as is).
 */
export interface CampaignAdminDeps {
  database: Database_;
  clock: Clock;
  /** Uploaded images go to <dataDir>/uploads/campaigns/. */
  dataDir: string;
}

export interface AdminActor {
  actor: string;
}

/** A checked image (see checkImage) to store with the campaign. */
export interface ImageUpload {
  bytes: Buffer;
  ext: 'png' | 'jpg';
}

export const CAMPAIGN_IMAGE_DIR = ['uploads', 'campaigns'] as const;
export const CAMPAIGN_IMAGE_NAME = /^[a-f0-9]{32}\.(png|jpg)$/;

/**
 * Writes the image under a random name (never the sender's file name) before the transaction:
 * no file I/O inside it. A rolled-back edit leaves an unreferenced file, which is harmless.
 * Images are never overwritten: pages cached with the old name keep working.
 */
export function storeCampaignImage(dataDir: string, image: ImageUpload): string {
  const dir = join(dataDir, ...CAMPAIGN_IMAGE_DIR);
  mkdirSync(dir, { recursive: true });
  const name = `${randomBytes(16).toString('hex')}.${image.ext}`;
  writeFileSync(join(dir, name), image.bytes, { flag: 'wx' });
  return `campaigns/${name}`;
}

/** Drafts first, then active, then closed (each by start date). */
export function* listAllCampaignsSteps(store: CampaignAdminStore): Step<Campaign[]> {
  const order = { draft: 0, active: 1, closed: 2 } as const;
  return (yield* store.allCampaigns()).sort((a, b) => order[a.status] - order[b.status]);
}

function* load(store: CampaignAdminStore, slug: string): Step<Campaign> {
  const c = yield* store.campaignForUpdate(slug);
  if (!c) throw new AppError('CAMPAIGN_NOT_FOUND', 404, 'errors.campaign_not_found');
  return c;
}

function* uniqueSlug(store: CampaignAdminStore, name: string): Step<string> {
  const base = slugify(name) || 'campagne';
  if (!(yield* store.slugTaken(base))) return base;
  for (let i = 2; ; i++) if (!(yield* store.slugTaken(`${base}-${i}`))) return `${base}-${i}`;
}

/** The input as campaign columns (JSON columns serialised). */
function columns(input: CampaignInput) {
  return {
    ...input,
    denominationsCents: JSON.stringify(input.denominationsCents),
    acceptedCategories: input.acceptedCategories ? JSON.stringify(input.acceptedCategories) : null,
  };
}

/** Only what changed, for the audit entry (before/after of the same keys). */
function diff(before: Record<string, unknown>, after: Record<string, unknown>) {
  const keys = Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  return { before: Object.fromEntries(keys.map((k) => [k, before[k]])), after: Object.fromEntries(keys.map((k) => [k, after[k]])), keys };
}

export function* createCampaignSteps(store: CampaignAdminStore, now: Date, input: CampaignInput, imagePath: string | null, by: AdminActor): Step<Campaign> {
  const row = { id: newId(), slug: yield* uniqueSlug(store, input.name), status: 'draft' as const, currency: 'EUR', imagePath, createdAt: now.toISOString(), ...columns(input) };
  yield* store.insertCampaign(row);
  yield* store.audit({ actor: by.actor, action: 'campaign_create', entityType: 'campaign', entityId: row.id, after: { slug: row.slug, ...columns(input), imagePath } }, now);
  return yield* load(store, row.slug);
}

/**
 * Saves the form over the campaign. `imagePath`: a new stored image, null to remove it,
 * undefined to keep the current one.
 */
export function* updateCampaignSteps(store: CampaignAdminStore, now: Date, slug: string, input: CampaignInput, imagePath: string | null | undefined, by: AdminActor): Step<Campaign> {
  const c = yield* load(store, slug);
  if (c.status === 'closed') throw new AppError('CAMPAIGN_CLOSED', 409, 'cadmin.errors.closed');
  // Re-read inside the write lock: an order may have reserved bonus since the page was shown.
  if (input.bonusKind !== 'none' && input.bonusBudgetCents < c.bonusReservedCents + c.bonusUsedCents) {
    throw new AppError('BONUS_BUDGET_TOO_LOW', 409, 'cadmin.errors.bonus_budget_low', { bonusBudget: 'cadmin.errors.bonus_budget_low' }, { minCents: c.bonusReservedCents + c.bonusUsedCents });
  }
  if (input.bonusKind === 'none' && c.bonusReservedCents > 0) {
    throw new AppError('BONUS_RESERVED', 409, 'cadmin.errors.bonus_reserved', { bonusKind: 'cadmin.errors.bonus_reserved' });
  }
  const after = { ...columns(input), ...(imagePath !== undefined ? { imagePath } : {}) };
  const current = { ...c, denominationsCents: JSON.stringify(c.denominationsCents) } as Record<string, unknown>;
  const changes = diff(current, after);
  if (changes.keys.length === 0) return c;
  yield* store.updateCampaign(c.id, after);
  yield* store.audit({ actor: by.actor, action: 'campaign_update', entityType: 'campaign', entityId: c.id, before: changes.before, after: changes.after, reason: c.soldCents > 0 ? 'after_sales' : null }, now);
  return yield* load(store, slug);
}

/** draft → active. The campaign shows publicly from now and sells from its start date. */
export const publishCampaignSteps = (store: CampaignAdminStore, now: Date, slug: string, by: AdminActor) => setStatus(store, now, slug, 'draft', 'active', 'campaign_publish', by);

/**
 * active → closed: no new sale (isOnSale needs `active`). Vouchers already sold stay valid
 * until their own expiry and shops keep redeeming and being settled; orders awaiting a
 * transfer are still issued when the money arrives (the money was taken).
 */
export const closeCampaignSteps = (store: CampaignAdminStore, now: Date, slug: string, by: AdminActor) => setStatus(store, now, slug, 'active', 'closed', 'campaign_close', by);

function* setStatus(store: CampaignAdminStore, now: Date, slug: string, from: Campaign['status'], to: Campaign['status'], action: string, by: AdminActor): Step<Campaign> {
  const c = yield* load(store, slug);
  if (c.status !== from) throw new AppError('CAMPAIGN_STATUS', 409, to === 'active' ? 'cadmin.errors.publish_not_draft' : 'cadmin.errors.close_not_active', undefined, { status: c.status });
  // closed_at starts the personal-data retention clock (server/domain/privacy/retention.ts).
  yield* store.updateCampaign(c.id, { status: to, ...(to === 'closed' ? { closedAt: now.toISOString() } : {}) });
  yield* store.audit({ actor: by.actor, action, entityType: 'campaign', entityId: c.id, before: { status: from }, after: { status: to } }, now);
  return { ...c, status: to };
}

// The SQLite calls the CLI, seeds and tests make directly: one BEGIN IMMEDIATE transaction each.
const onSqlite = <T>(deps: Pick<CampaignAdminDeps, 'database'>, work: (store: CampaignAdminStore) => Step<T>): T =>
  deps.database.transaction((tx) => runSync(work(sqliteCampaignAdminStore(tx))));

export const createCampaign = (deps: CampaignAdminDeps, input: CampaignInput, imagePath: string | null, by: AdminActor): Campaign =>
  onSqlite(deps, (s) => createCampaignSteps(s, deps.clock.now(), input, imagePath, by));
export const updateCampaign = (deps: CampaignAdminDeps, slug: string, input: CampaignInput, imagePath: string | null | undefined, by: AdminActor): Campaign =>
  onSqlite(deps, (s) => updateCampaignSteps(s, deps.clock.now(), slug, input, imagePath, by));
export const publishCampaign = (deps: CampaignAdminDeps, slug: string, by: AdminActor): Campaign => onSqlite(deps, (s) => publishCampaignSteps(s, deps.clock.now(), slug, by));
export const closeCampaign = (deps: CampaignAdminDeps, slug: string, by: AdminActor): Campaign => onSqlite(deps, (s) => closeCampaignSteps(s, deps.clock.now(), slug, by));
