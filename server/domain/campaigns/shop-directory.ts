import { z } from 'zod';
import { openAt, type OpeningSlot, type OpenState } from '../merchants/opening-hours';
import type { CampaignMerchant } from './campaigns-repository';

/**
 * The shop directory of a campaign page (issue 15): search by name and category words,
 * filter by town, category and « ouvert maintenant ». Pure: the shops with their slots,
 * the filter and `now` in; the matching shops with their open state out. A campaign has
 * at most a few hundred shops, loaded by two indexed queries: filtering them here keeps
 * one rule for the page and the tests, and lets category words match in every language.
 */
export type DirectoryFilter = { q: string; town: string; category: string; openNow: boolean };
export type DirectoryShop = CampaignMerchant & { slots: OpeningSlot[] };
export type DirectoryEntry = { shop: DirectoryShop; open: OpenState };

const text = (max: number) => z.string().trim().max(max).catch('').optional().transform((s) => s ?? '');

/** The page's GET parameters (q, ville, categorie, ouvert=1); anything malformed is ignored, not refused. */
export const directoryQuerySchema = z
  .object({ q: text(80), ville: text(80), categorie: text(60), ouvert: z.literal('1').optional().catch(undefined) })
  .transform((p): DirectoryFilter => ({ q: p.q, town: p.ville, category: p.categorie, openNow: p.ouvert === '1' }));

export const isFiltered = (f: DirectoryFilter) => Boolean(f.q || f.town || f.category || f.openNow);

/** « Épicerie  fine » → « epicerie fine »: case, accents and punctuation do not matter in a search. */
export function searchWords(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

/**
 * Every word of the query must start a word of the shop's name or category (in any of
 * the words `categoryWords` gives for it: its label in each language): « boul » finds
 * « Boulangerie-pâtisserie » and « Bakery and pastry » finds it too, « ange » does not.
 */
export function filterDirectory(shops: readonly DirectoryShop[], f: DirectoryFilter, now: Date, categoryWords: (stored: string) => string): DirectoryEntry[] {
  const wanted = searchWords(f.q).split(' ').filter(Boolean);
  const out: DirectoryEntry[] = [];
  for (const shop of shops) {
    if (f.town && shop.city !== f.town) continue;
    if (f.category && shop.category !== f.category) continue;
    if (wanted.length) {
      const words = ` ${searchWords(`${shop.name} ${shop.category} ${categoryWords(shop.category)}`)}`;
      if (!wanted.every((w) => words.includes(` ${w}`))) continue;
    }
    const open = openAt(shop.slots, now);
    if (f.openNow && !open.open) continue;
    out.push({ shop, open });
  }
  return out;
}
