import type { PgUnit } from '../../../db/pg-write-behind';
import type { Step } from '../../../db/unit-of-work';
import { pgAudit } from '../audit/audit-log-pg';
import { DEFAULT_BRAND, type BrandSummary, type ImageType } from './brand';
import type { BrandStore } from './brand-store';

const asType = (x: string | null): ImageType | null => (x === 'png' || x === 'jpg' ? x : null);
type SummaryRow = Omit<BrandSummary, 'logoType' | 'imageType'> & { logoType: string | null; imageType: string | null };

/** Saving the brand on PostgreSQL (see brand-store.ts), on one unit of work. */
export function pgBrandStore(unit: PgUnit): BrandStore {
  return {
    summaryForUpdate: function* () {
      const row = (yield* unit.query<SummaryRow>(
        'brand_summary_for_update',
        'SELECT name, primary_color AS "primary", accent_color AS accent, logo_type AS "logoType", image_type AS "imageType", version FROM operator_brand WHERE id = 1 FOR UPDATE',
        [],
      )).rows[0];
      return row ? { ...row, logoType: asType(row.logoType), imageType: asType(row.imageType) } : DEFAULT_BRAND;
    },
    write: function* (w): Step<number> {
      // The image columns written only when the edit replaces or removes them (undefined keeps them):
      // four fixed statement shapes, none with text from outside.
      const cols: [string, unknown][] = [['name', w.name], ['primary_color', w.primaryColor], ['accent_color', w.accentColor], ['updated_at', w.updatedAt], ['updated_by', w.updatedBy]];
      if (w.logo !== undefined) cols.push(['logo', w.logo?.bytes ?? null], ['logo_type', w.logo?.type ?? null]);
      if (w.image !== undefined) cols.push(['image', w.image?.bytes ?? null], ['image_type', w.image?.type ?? null]);
      const names = cols.map(([c]) => c);
      const text = `INSERT INTO operator_brand (id, version, ${names.join(', ')}) VALUES (1, 1, ${names.map((_, i) => `$${i + 1}`).join(', ')})
        ON CONFLICT (id) DO UPDATE SET version = operator_brand.version + 1, ${names.map((c) => `${c} = EXCLUDED.${c}`).join(', ')} RETURNING version`;
      const shape = `${w.logo !== undefined ? 'l' : ''}${w.image !== undefined ? 'i' : ''}`;
      return (yield* unit.query<{ version: number }>(`brand_write_${shape || 'plain'}`, text, cols.map(([, v]) => v))).rows[0]!.version;
    },
    audit: pgAudit(unit),
  };
}
