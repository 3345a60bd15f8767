import { sql } from 'drizzle-orm';
import { blob, check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The operator's brand (issue 15): one row, id 1, absent until an admin saves it. Colours
 * are #rrggbb checked for contrast on save (server/domain/brand). The logo and the default
 * campaign image are stored here as bytes, not under dataDir: every server of a multi-server
 * deployment and the PDF worker threads read them from the one database. `version` goes up
 * on every save; it is in the URLs of /brand.css and of the images (cached for a year).
 */
export const operatorBrand = sqliteTable(
  'operator_brand',
  {
    id: integer('id').primaryKey(),
    name: text('name'),
    primaryColor: text('primary_color').notNull(),
    accentColor: text('accent_color').notNull(),
    logo: blob('logo', { mode: 'buffer' }),
    logoType: text('logo_type'),
    image: blob('image', { mode: 'buffer' }),
    imageType: text('image_type'),
    version: integer('version').notNull(),
    updatedAt: text('updated_at').notNull(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [
    check('operator_brand_single_row', sql`${t.id} = 1`),
    check('operator_brand_colors', sql`${t.primaryColor} GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' AND ${t.accentColor} GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'`),
    check('operator_brand_logo_type', sql`(${t.logo} IS NULL AND ${t.logoType} IS NULL) OR (${t.logo} IS NOT NULL AND ${t.logoType} IN ('png', 'jpg'))`),
    check('operator_brand_image_type', sql`(${t.image} IS NULL AND ${t.imageType} IS NULL) OR (${t.image} IS NOT NULL AND ${t.imageType} IN ('png', 'jpg'))`),
    check('operator_brand_name_length', sql`${t.name} IS NULL OR length(${t.name}) BETWEEN 1 AND 80`),
  ],
);
