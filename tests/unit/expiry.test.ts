import { describe, expect, it } from 'vitest';
import { effectiveStatus, expiryFor } from '../../server/domain/vouchers/voucher';
import { endOfParisDay, parisDate } from '../../server/lib/paris-time';

describe('expiry in Europe/Paris', () => {
  it('ends at 23:59:59.999 Paris time, summer and winter', () => {
    expect(endOfParisDay('2027-07-14').toISOString()).toBe('2027-07-14T21:59:59.999Z');
    expect(endOfParisDay('2027-01-10').toISOString()).toBe('2027-01-10T22:59:59.999Z');
  });
  it('handles the DST change days', () => {
    expect(endOfParisDay('2027-03-28').toISOString()).toBe('2027-03-28T21:59:59.999Z');
    expect(endOfParisDay('2027-10-31').toISOString()).toBe('2027-10-31T22:59:59.999Z');
  });
  it('counts validity from the Paris calendar day of issue', () => {
    // 23:30 UTC on 31 Dec is already 1 Jan in Paris.
    expect(parisDate(new Date('2026-12-31T23:30:00Z'))).toBe('2027-01-01');
    expect(expiryFor(new Date('2026-12-31T23:30:00Z'), 365).toISOString()).toBe('2028-01-01T22:59:59.999Z');
    expect(expiryFor(new Date('2026-11-23T10:00:00Z'), 365).toISOString()).toBe('2027-11-23T22:59:59.999Z');
  });
  it('shows an active voucher past its expiry as expired', () => {
    const v = { status: 'active' as const, expiresAt: '2027-11-23T22:59:59.999Z' };
    expect(effectiveStatus(v, new Date('2027-11-23T22:59:59.999Z'))).toBe('active');
    expect(effectiveStatus(v, new Date('2027-11-23T23:00:00.000Z'))).toBe('expired');
    expect(effectiveStatus({ ...v, status: 'blocked' }, new Date('2030-01-01'))).toBe('blocked');
  });
});
