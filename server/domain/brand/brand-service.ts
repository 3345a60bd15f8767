import type { Database_, Tx } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import type { PdfBrand } from '../../pdf/pdf-brand';
import { runSync, type Step } from '../../../db/unit-of-work';
import { toPdfBrand, type BrandInput, type ImageType } from './brand';
import { readBrandImage, readBrandSummary } from './brand-repository';
import { sqliteBrandStore, type BrandStore } from './brand-store';

export interface BrandEdit extends BrandInput {
  /** A checked upload; undefined keeps the stored one, null removes it. */
  logo?: { bytes: Buffer; type: ImageType } | null;
  image?: { bytes: Buffer; type: ImageType } | null;
}

/**
 * Saves the brand (already checked by parseBrandForm) with its audit entry in one unit of
 * work. The audit keeps names and colours, and only the size of new images.
 */
export function* saveBrandSteps(store: BrandStore, now: Date, actor: string, edit: BrandEdit): Step<number> {
  const before = yield* store.summaryForUpdate();
  const version = yield* store.write({ name: edit.name, primaryColor: edit.primary, accentColor: edit.accent, logo: edit.logo, image: edit.image, updatedAt: now.toISOString(), updatedBy: actor });
  const imageNote = (x: BrandEdit['logo']) => (x === undefined ? 'kept' : x === null ? 'removed' : `${x.type}, ${x.bytes.length} bytes`);
  yield* store.audit(
    {
      actor,
      action: 'brand_update',
      entityType: 'operator_brand',
      entityId: '1',
      before: { name: before.name, primary: before.primary, accent: before.accent },
      after: { name: edit.name, primary: edit.primary, accent: edit.accent, logo: imageNote(edit.logo), image: imageNote(edit.image), version },
    },
    now,
  );
  return version;
}

/** saveBrandSteps on SQLite in one BEGIN IMMEDIATE transaction (seeds and tests). */
export function saveBrand(deps: { database: Database_; clock: Clock }, actor: string, edit: BrandEdit): number {
  const now = deps.clock.now();
  return deps.database.transaction((tx) => runSync(saveBrandSteps(sqliteBrandStore(tx), now, actor, edit)));
}

/** What every PDF draws with: the saved brand and its logo, or DEFAULT_PDF_BRAND's values. */
export function loadPdfBrand(tx: Tx): PdfBrand {
  const summary = readBrandSummary(tx);
  return toPdfBrand(summary, summary.logoType ? (readBrandImage(tx, 'logo')?.bytes ?? null) : null);
}
