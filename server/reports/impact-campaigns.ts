import type { ReadProgram } from '../../db/read-program';

/** The impact dashboard's campaign filter (`?campagne=<slug>`): the campaign named, if any. Portable SQL. */
export function* impactCampaignBySlug(slug: string): ReadProgram<{ id: string; slug: string } | undefined> {
  if (!slug) return undefined;
  const [row] = yield { sql: `SELECT id, slug FROM campaigns WHERE slug = @slug`, params: { slug } };
  return row as { id: string; slug: string } | undefined;
}

/** Every non-draft campaign, for the filter's choices (the report's own list is narrowed by the filter). */
export function* impactCampaignChoices(): ReadProgram<{ slug: string; name: string }[]> {
  return (yield { sql: `SELECT slug, name FROM campaigns WHERE status <> 'draft' ORDER BY name` }) as { slug: string; name: string }[];
}
