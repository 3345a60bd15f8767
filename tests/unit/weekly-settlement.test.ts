import { describe, expect, it } from 'vitest';
import { nextWeeklyRun, settlementUntil } from '../../server/jobs/weekly-settlement';

describe('weekly settlement schedule', () => {
  it('runs on the next chosen weekday at 05:00 Paris and settles up to the day before', () => {
    // Wednesday 2026-11-18 → Monday 2026-11-23 05:00 CET (04:00Z), until Sunday 22nd.
    const at = nextWeeklyRun(new Date('2026-11-18T10:00:00Z'), 1);
    expect(at.toISOString()).toBe('2026-11-23T04:00:00.000Z');
    expect(settlementUntil(at)).toBe('2026-11-22');
  });

  it('never plans the run it is in: on Monday 05:00 exactly, the next is a week later', () => {
    expect(nextWeeklyRun(new Date('2026-11-23T04:00:00Z'), 1).toISOString()).toBe('2026-11-30T04:00:00.000Z');
    expect(nextWeeklyRun(new Date('2026-11-23T03:59:59Z'), 1).toISOString()).toBe('2026-11-23T04:00:00.000Z');
  });

  it('follows summer time: 05:00 CEST is 03:00Z', () => {
    expect(nextWeeklyRun(new Date('2026-06-10T00:00:00Z'), 5).toISOString()).toBe('2026-06-12T03:00:00.000Z');
    // The Monday after the spring change (29 March 2026).
    expect(nextWeeklyRun(new Date('2026-03-27T00:00:00Z'), 1).toISOString()).toBe('2026-03-30T03:00:00.000Z');
  });
});
