import type { Database_ } from '../../../db/client';

/**
 * The figures that change with every sale or redemption, read with one prepared
 * statement (a few µs): the public pages' cache key is built from them.
 */
export function progressReader(database: Database_) {
  // The bonus figures are in too: « budget épuisé » must never be served stale.
  const one = database.sqlite.prepare<[string], { sold: number; redeemed: number; status: string; bonus: string }>(
    `SELECT sold_cents AS sold, redeemed_cents AS redeemed, status, bonus_reserved_cents || '/' || bonus_used_cents || '/' || bonus_budget_cents AS bonus FROM campaigns WHERE slug = ?`,
  );
  const all = database.sqlite.prepare<[], { v: string | null }>(
    `SELECT group_concat(slug || ':' || sold_cents || ':' || redeemed_cents || ':' || status || ':' || bonus_reserved_cents || ':' || bonus_used_cents || ':' || bonus_budget_cents, ',') AS v FROM campaigns`,
  );
  return {
    bySlug: (slug: string) => one.get(slug),
    allVersion: () => all.get()?.v ?? '',
  };
}
