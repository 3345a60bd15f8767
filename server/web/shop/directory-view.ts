import type { Step } from '../../../db/unit-of-work';
import type { CatalogStore } from '../../domain/campaigns/catalog-store';
import { filterDirectory, isFiltered, type DirectoryEntry, type DirectoryFilter, type DirectoryShop } from '../../domain/campaigns/shop-directory';
import { formatMinute, WEEKDAYS, type OpeningSlot } from '../../domain/merchants/opening-hours';
import { categoryLabel, LOCALES, translateForPage } from '../../lib/i18n';
import { tileFor, tileUrl, type MapTiles } from '../../lib/map-tiles';

/** The campaign's approved shops with their weekly slots: two indexed queries. */
export function* loadDirectory(store: CatalogStore, campaignId: string): Step<DirectoryShop[]> {
  const slots = new Map<string, OpeningSlot[]>();
  for (const { merchantId, ...s } of yield* store.campaignSlots(campaignId)) {
    const list = slots.get(merchantId) ?? [];
    list.push(s);
    slots.set(merchantId, list);
  }
  return (yield* store.campaignShops(campaignId)).map((m) => ({ ...m, slots: (slots.get(m.id) ?? []).sort((a, b) => a.weekday - b.weekday || a.opensMinute - b.opensMinute) }));
}

/** A category's label in every language: « bakery » finds a boulangerie on the French page too. */
const categoryWords = (stored: string) => LOCALES.map((l) => categoryLabel(stored, l)).join(' ');

const dayNames = (locale: string) => WEEKDAYS.map((d) => new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2026, 0, 4 + d))));

/** « 09:00–12:00, 14:00–19:00 » for each day, « fermé » for a day without slots. */
export function weekView(slots: readonly OpeningSlot[], locale: string) {
  const names = dayNames(locale);
  return WEEKDAYS.map((d) => {
    const day = slots.filter((s) => s.weekday === d);
    return { name: names[d - 1], text: day.length ? day.map((s) => `${formatMinute(s.opensMinute)}–${formatMinute(s.closesMinute)}`).join(', ') : translateForPage(locale, 'directory.closed_day') };
  });
}

/**
 * Directions without any request from our page: a link to OpenStreetMap's route planner
 * with the address as destination, and a geo: URI that phones open in their maps app.
 */
export function directionLinks(m: Pick<DirectoryShop, 'address' | 'postalCode' | 'city'>) {
  const address = `${m.address}, ${m.postalCode} ${m.city}`;
  return { directionsUrl: `https://www.openstreetmap.org/directions?to=${encodeURIComponent(address)}`, geoUrl: `geo:0,0?q=${encodeURIComponent(address)}` };
}

/** A one-tile plan around the shop, only with a configured tile server and a position. */
function mapView(shop: DirectoryShop, tiles: MapTiles | null, locale: string) {
  if (!tiles || shop.latitude === null || shop.longitude === null) return null;
  const t = tileFor(shop.latitude, shop.longitude);
  return { src: tileUrl(tiles, t), col: t.col, row: t.row, alt: translateForPage(locale, 'directory.map_alt', { name: shop.name }) };
}

function entryView({ shop, open }: DirectoryEntry, locale: string, tiles: MapTiles | null) {
  return {
    name: shop.name,
    website: shop.website,
    category: categoryLabel(shop.category, locale),
    address: `${shop.address}, ${shop.postalCode} ${shop.city}`,
    ...directionLinks(shop),
    hasHours: shop.slots.length > 0,
    openNow: open.open,
    openUntil: open.open ? formatMinute(open.closesMinute) : null,
    week: shop.slots.length ? weekView(shop.slots, locale) : [],
    openingHoursNote: shop.openingHours,
    map: mapView(shop, tiles, locale),
  };
}

/** The directory's form (values and choices) and its results, grouped by town as before. */
export function directoryView(shops: readonly DirectoryShop[], filter: DirectoryFilter, now: Date, locale: string, slug: string, tiles: MapTiles | null = null) {
  const entries = filterDirectory(shops, filter, now, categoryWords);
  const towns = [...new Set(shops.map((m) => m.city))].sort((a, b) => a.localeCompare(b, 'fr'));
  const categories = [...new Set(shops.map((m) => m.category))]
    .map((c) => ({ value: c, label: categoryLabel(c, locale), selected: c === filter.category }))
    .sort((a, b) => a.label.localeCompare(b.label, locale));
  const resultTowns = [...new Set(entries.map((e) => e.shop.city))].sort((a, b) => a.localeCompare(b, 'fr'));
  return {
    action: `/campagnes/${slug}`,
    filter,
    filtered: isFiltered(filter),
    towns: towns.map((t) => ({ value: t, selected: t === filter.town })),
    categories,
    count: entries.length,
    groups: resultTowns.map((city) => ({ city, shops: entries.filter((e) => e.shop.city === city).map((e) => entryView(e, locale, tiles)) })),
    mapAttribution: tiles?.attribution ?? null,
  };
}
