import type { Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import { audit, type AuditInput } from '../audit/audit-log';
import type { BrandSummary } from './brand';
import { readBrandSummary, writeBrand, type BrandWrite } from './brand-repository';

/**
 * What saving the brand reads and writes: SQLite here (brand-repository.ts as before, inside
 * BEGIN IMMEDIATE), PostgreSQL in brand-store-pg.ts (the one row locked, the version bumped
 * by the upsert itself so two first saves cannot both write version 1).
 */
export interface BrandStore {
  /** The brand before the save (locked on PostgreSQL when it exists). */
  summaryForUpdate(): Step<BrandSummary>;
  /** Inserts or updates the one row; returns the new version. */
  write(w: BrandWrite): Step<number>;
  audit(e: AuditInput, now: Date): Step<void>;
}

export function sqliteBrandStore(tx: Tx): BrandStore {
  return {
    summaryForUpdate: () => done(readBrandSummary(tx)),
    write: (w) => done(writeBrand(tx, w)),
    audit: (e, now) => done(audit(tx, e, now)),
  };
}
