import { describe, expect, it } from 'vitest';
import { parseNow } from '../../server/cli/expiry-commands';

const usage = (m: string): never => {
  throw new Error(m);
};
const parse = (v: string) => parseNow(v, usage).toISOString();

describe('cli expire --now', () => {
  it('takes an instant with its offset', () => {
    expect(parse('2027-11-24T00:00:01+01:00')).toBe('2027-11-23T23:00:01.000Z');
    expect(parse('2027-11-23T23:00:01Z')).toBe('2027-11-23T23:00:01.000Z');
    expect(parse('2027-11-23T23:00:01.250Z')).toBe('2027-11-23T23:00:01.250Z');
    expect(parse('2027-07-01T08:30+02:00')).toBe('2027-07-01T06:30:00.000Z');
  });

  it('takes a date alone as the start of that day in Paris (winter and summer)', () => {
    expect(parse('2027-11-24')).toBe('2027-11-23T23:00:00.000Z');
    expect(parse('2027-07-14')).toBe('2027-07-13T22:00:00.000Z');
    expect(parse('2027-03-28')).toBe('2027-03-27T23:00:00.000Z');
  });

  it('refuses anything else as bad usage', () => {
    for (const bad of ['', 'now', 'yesterday', '2027-02-30', '2027-02-30T10:00Z', '2027-13-01', '2027-11-24T10:00', '2027-11-24 10:00Z', '2027-11-24T25:00Z', '1700000000'])
      expect(() => parseNow(bad, usage), bad).toThrow(/--now/);
    expect(() => parseNow(true, usage)).toThrow(/--now/);
  });

  it('defaults to the system clock', () => {
    expect(Math.abs(parseNow(undefined, usage).getTime() - Date.now())).toBeLessThan(1000);
  });
});
