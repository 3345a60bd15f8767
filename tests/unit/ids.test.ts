import { describe, expect, it } from 'vitest';
import { newId } from '../../server/lib/ids';

describe('row ids', () => {
  it('are RFC 9562 UUIDv7, unique and time-ordered', () => {
    const ids = Array.from({ length: 5000 }, newId);
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const t = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(t(ids[0]!) - Date.now())).toBeLessThan(5000);
    for (let i = 1; i < ids.length; i++) expect(t(ids[i]!)).toBeGreaterThanOrEqual(t(ids[i - 1]!));
  });
});
