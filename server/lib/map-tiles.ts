/**
 * The optional map of the shop directory: a tile server the operator configures
 * (MAP_TILE_URL, an « https://tiles.example/{z}/{x}/{y}.png » template). Without it there is
 * no map and the pages request nothing from another origin; with it, the CSP's img-src
 * allows exactly that origin. Pure: no request is made here.
 */
export type MapTiles = { template: string; origin: string; attribution: string | null };

/** Parses MAP_TILE_URL; a message (thrown by the caller as a ConfigError) when it is not usable. */
export function parseMapTileUrl(value: string | undefined, attribution: string | undefined): MapTiles | string | null {
  if (!value) return null;
  if (!['{z}', '{x}', '{y}'].every((p) => value.includes(p))) return `MAP_TILE_URL must contain {z}, {x} and {y}: ${value}`;
  let url: URL;
  try {
    url = new URL(value.replace('{z}', '0').replace('{x}', '0').replace('{y}', '0'));
  } catch {
    return `MAP_TILE_URL is not a URL: ${value}`;
  }
  // https only: an http tile would be mixed content on our https pages (and a CSP source).
  if (url.protocol !== 'https:' || url.username || url.password || /[\s;,'"]/.test(value)) return `MAP_TILE_URL must be an https URL without credentials, spaces or quotes: ${value}`;
  return { template: value, origin: url.origin, attribution: attribution?.trim() || null };
}

export const MAP_ZOOM = 17;
const TILE = 256;

/**
 * The Web Mercator tile holding a point at `zoom`, and where the point falls in it, in
 * sixteenths of the tile from its top-left corner (0–15): the pin is placed with one of
 * 16 × 16 CSS classes (no inline style under the CSP), to within 16 px.
 */
export function tileFor(latitude: number, longitude: number, zoom = MAP_ZOOM): { z: number; x: number; y: number; col: number; row: number } {
  const n = 2 ** zoom;
  const lat = (Math.max(-85.0511, Math.min(85.0511, latitude)) * Math.PI) / 180;
  const px = ((longitude + 180) / 360) * n * TILE;
  const py = ((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * n * TILE;
  const x = Math.min(n - 1, Math.floor(px / TILE));
  const y = Math.min(n - 1, Math.floor(py / TILE));
  return { z: zoom, x, y, col: Math.min(15, Math.floor((px - x * TILE) / 16)), row: Math.min(15, Math.floor((py - y * TILE) / 16)) };
}

export function tileUrl(tiles: MapTiles, t: { z: number; x: number; y: number }): string {
  return tiles.template.replace('{z}', String(t.z)).replace('{x}', String(t.x)).replace('{y}', String(t.y));
}
