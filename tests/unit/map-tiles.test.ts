import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';
import { parseMapTileUrl, tileFor, tileUrl } from '../../server/lib/map-tiles';

describe('the directory map (MAP_TILE_URL)', () => {
  it('is off without a setting, and takes an https template with {z}/{x}/{y}', () => {
    expect(parseMapTileUrl(undefined, undefined)).toBeNull();
    expect(parseMapTileUrl('https://tiles.example.org/{z}/{x}/{y}.png', ' © Contributeurs ')).toEqual({ template: 'https://tiles.example.org/{z}/{x}/{y}.png', origin: 'https://tiles.example.org', attribution: '© Contributeurs' });
    for (const bad of ['http://tiles.example.org/{z}/{x}/{y}.png', 'https://tiles.example.org/{z}/{x}.png', 'https://u:p@tiles.example.org/{z}/{x}/{y}.png', "https://tiles.example.org/{z}/{x}/{y}.png; script-src *", 'not a url {z}{x}{y}']) {
      expect(typeof parseMapTileUrl(bad, undefined), bad).toBe('string');
      expect(() => loadConfig({ NODE_ENV: 'test', MAP_TILE_URL: bad }), bad).toThrow(/MAP_TILE_URL/);
    }
    expect(loadConfig({ NODE_ENV: 'test' }).mapTiles).toBeNull();
  });

  it('finds the Web Mercator tile of a point and where it falls in it', () => {
    // Reference values computed apart (slippy-map tile names, OpenStreetMap wiki formula).
    expect(tileFor(48.853, 2.3499, 17)).toEqual({ z: 17, x: 66391, y: 45094, col: 9, row: 7 });
    expect(tileFor(0.0001, 0.0001, 1)).toEqual({ z: 1, x: 1, y: 0, col: 0, row: 15 });
    expect(tileUrl({ template: 'https://t.example/{z}/{x}/{y}.png', origin: 'https://t.example', attribution: null }, { z: 17, x: 1, y: 2 })).toBe('https://t.example/17/1/2.png');
  });
});
