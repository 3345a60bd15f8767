import { describe, expect, it } from 'vitest';
import { MissLimiter } from '../../server/web/middleware/miss-limiter';

describe('MissLimiter', () => {
  it('blocks an IP after `limit` misses until its window ends, per IP', () => {
    let now = 0;
    const l = new MissLimiter(3, 1000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(l.blocked('a')).toBe(false);
      l.miss('a');
    }
    expect(l.blocked('a')).toBe(true);
    expect(l.blocked('b')).toBe(false);
    now = 1000;
    expect(l.blocked('a')).toBe(false);
    l.miss('a');
    expect(l.blocked('a')).toBe(false);
  });
});
