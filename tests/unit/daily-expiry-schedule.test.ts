import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { migrateDatabase, openDatabase, type Database_ } from '../../db/client';
import { startDailyExpiry } from '../../server/jobs/daily-expiry';
import { lastDailyRun, nextDailyRun } from '../../server/jobs/daily-schedule';
import { parisWallTime } from '../../server/lib/paris-time';
import { fixedClock } from '../../server/lib/clock';
import type { Logger } from '../../server/lib/logger';
import { parisDate } from '../../server/lib/paris-time';

const next = (iso: string) => nextDailyRun(new Date(iso), 2).toISOString();
const parisClock = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

describe('next daily run at 02:00 Europe/Paris', () => {
  it('is 01:00 UTC in winter and 00:00 UTC in summer', () => {
    expect(next('2027-01-10T12:00:00Z')).toBe('2027-01-11T01:00:00.000Z');
    expect(next('2027-07-14T12:00:00Z')).toBe('2027-07-15T00:00:00.000Z');
  });

  it('is later the same day before 02:00, the next day from 02:00 on (strictly after now)', () => {
    expect(next('2027-01-10T00:30:00Z')).toBe('2027-01-10T01:00:00.000Z'); // 01:30 Paris
    expect(next('2027-01-10T01:00:00Z')).toBe('2027-01-11T01:00:00.000Z'); // 02:00 Paris exactly
    expect(next('2027-01-09T23:30:00Z')).toBe('2027-01-10T01:00:00.000Z'); // 00:30 Paris, already the 10th
  });

  it('spring change (28 March 2027): 02:00 does not exist, the run is at 03:00 CEST', () => {
    expect(next('2027-03-27T12:00:00Z')).toBe('2027-03-28T01:00:00.000Z');
    expect(parisClock.format(new Date('2027-03-28T01:00:00Z'))).toBe('03:00');
    expect(next('2027-03-28T01:00:00Z')).toBe('2027-03-29T00:00:00.000Z');
  });

  it('autumn change (31 October 2027): 02:00 happens twice, the run is once, after the change', () => {
    expect(next('2027-10-30T12:00:00Z')).toBe('2027-10-31T01:00:00.000Z');
    // 02:30 CEST, the first 02:xx of the night: the run is still ahead.
    expect(next('2027-10-31T00:30:00Z')).toBe('2027-10-31T01:00:00.000Z');
    expect(next('2027-10-31T01:00:00Z')).toBe('2027-11-01T01:00:00.000Z');
  });

  it('parisWallTime reads the offset of the day', () => {
    expect(parisWallTime('2027-07-14', 2, 30).toISOString()).toBe('2027-07-14T00:30:00.000Z');
    expect(parisWallTime('2027-12-31', 23, 59).toISOString()).toBe('2027-12-31T22:59:00.000Z');
  });

  it('property: the next run is after now, within 25 hours, at 02:00 (03:00 on the spring change) Paris, today or tomorrow', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true }), (now) => {
        const run = nextDailyRun(now, 2);
        expect(run.getTime()).toBeGreaterThan(now.getTime());
        expect(run.getTime() - now.getTime()).toBeLessThanOrEqual(25 * 3600_000);
        expect(['02:00', '03:00']).toContain(parisClock.format(run));
        const day = parisDate(run);
        expect(day >= parisDate(now)).toBe(true);
        // Nothing between now and the run is another 02:00 of a day not yet run.
        expect(nextDailyRun(new Date(run.getTime() - 1), 2).getTime()).toBe(run.getTime());
      }),
      { numRuns: 2000 },
    );
  });
});

describe('last daily run (the slot a server starting now catches up on)', () => {
  it('is the latest 02:00 Paris at or before now, the same instant the schedule planned', () => {
    expect(lastDailyRun(new Date('2027-01-10T12:00:00Z'), 2).toISOString()).toBe('2027-01-10T01:00:00.000Z');
    expect(lastDailyRun(new Date('2027-01-10T01:00:00Z'), 2).toISOString()).toBe('2027-01-10T01:00:00.000Z');
    expect(lastDailyRun(new Date('2027-01-10T00:59:59Z'), 2).toISOString()).toBe('2027-01-09T01:00:00.000Z');
    fc.assert(
      fc.property(fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true }), (now) => {
        const last = lastDailyRun(now, 2);
        expect(last.getTime()).toBeLessThanOrEqual(now.getTime());
        // The schedule's next run after it is after now: no planned run is skipped between them.
        expect(nextDailyRun(last, 2).getTime()).toBeGreaterThan(now.getTime());
        expect(nextDailyRun(new Date(last.getTime() - 1), 2).getTime()).toBe(last.getTime());
      }),
      { numRuns: 1000 },
    );
  });
});

describe('daily expiry job', () => {
  afterEach(() => vi.useRealTimers());

  it('runs at start and then at the next 02:00; a failing run is logged, never thrown', async () => {
    vi.useFakeTimers();
    const clock = fixedClock('2027-01-10T12:00:00Z');
    const errors: string[] = [];
    const logger = { info: () => {}, debug: () => {}, warn: () => {}, error: (_o: unknown, msg: string) => errors.push(msg) } as unknown as Logger;
    // A database whose job's statements all fail; the lease row (job_leases) still works.
    const real = openDatabase(':memory:');
    migrateDatabase(real);
    const database = { db: real.db, transaction: real.transaction, sqlite: { prepare: () => { throw new Error('disk I/O error'); } } } as unknown as Database_;
    const job = startDailyExpiry({ database, clock, logger });
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toEqual(['voucher expiry failed', 'expiry reminders failed']);
    // 13 hours later: 02:00 Paris on the 11th.
    clock.advance(13 * 3600_000 - 1);
    await vi.advanceTimersByTimeAsync(13 * 3600_000 - 1);
    expect(errors).toHaveLength(2);
    clock.advance(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(errors).toHaveLength(4);
    job.stop();
    clock.advance(24 * 3600_000);
    await vi.advanceTimersByTimeAsync(24 * 3600_000);
    expect(errors).toHaveLength(4);
    await real.close();
  });
});
