import { sql } from 'drizzle-orm';
import { check, customType, pgTable, text } from 'drizzle-orm/pg-core';
import { int64 } from './columns';

/** SQLite's BLOB: bytes in and out as a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/** PostgreSQL mirror of db/schema/brand.ts (its comments say why); the colour CHECK uses a regular expression where SQLite uses GLOB. */
export const operatorBrand = pgTable(
  'operator_brand',
  {
    id: int64('id').primaryKey(),
    name: text('name'),
    primaryColor: text('primary_color').notNull(),
    accentColor: text('accent_color').notNull(),
    logo: bytea('logo'),
    logoType: text('logo_type'),
    image: bytea('image'),
    imageType: text('image_type'),
    version: int64('version').notNull(),
    updatedAt: text('updated_at').notNull(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [
    check('operator_brand_single_row', sql`${t.id} = 1`),
    check('operator_brand_colors', sql`${t.primaryColor} ~ '^#[0-9a-f]{6}$' AND ${t.accentColor} ~ '^#[0-9a-f]{6}$'`),
    check('operator_brand_logo_type', sql`(${t.logo} IS NULL AND ${t.logoType} IS NULL) OR (${t.logo} IS NOT NULL AND ${t.logoType} IN ('png', 'jpg'))`),
    check('operator_brand_image_type', sql`(${t.image} IS NULL AND ${t.imageType} IS NULL) OR (${t.image} IS NOT NULL AND ${t.imageType} IN ('png', 'jpg'))`),
    check('operator_brand_name_length', sql`${t.name} IS NULL OR length(${t.name}) BETWEEN 1 AND 80`),
  ],
);
