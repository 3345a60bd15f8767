import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database_ } from '../../db/client';
import { runOnce } from '../../server/jobs/run-once';
import { startWeeklySettlement, WEEKLY_SETTLEMENT_JOB } from '../../server/jobs/weekly-settlement';
import { fixedClock } from '../../server/lib/clock';
import type { Logger } from '../../server/lib/logger';
import { settlementDeps } from '../support/settlement';
import { startTestApp, type TestApp } from '../support/test-app';

/** A logger that keeps the messages it is given. */
function recordingLogger() {
  const messages: string[] = [];
  const keep = (_o: unknown, msg?: string) => void messages.push(msg ?? String(_o));
  return { messages, logger: { info: keep, debug: keep, warn: keep, error: keep } as unknown as Logger };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduled jobs shared by several server processes (job_leases)', () => {
  // Monday 11 January 2027, 05:00 Paris (04:00 UTC) is the weekly settlement's run; 50 ms before it.
  const runAt = new Date('2027-01-11T04:00:00Z');
  const clock = fixedClock(new Date(runAt.getTime() - 50));
  let app: TestApp;
  let second: Database_;
  beforeAll(async () => {
    app = await startTestApp({ clock });
    // Another server's own connection to the same file.
    second = openDatabase(app.config.databaseUrl);
  });
  afterAll(async () => {
    await second.close();
    await app.close();
  });

  it("run the week's settlement once when two servers' timers fire together", async () => {
    const a = recordingLogger();
    const b = recordingLogger();
    const jobs = [
      startWeeklySettlement({ ...settlementDeps(app), logger: a.logger, holder: 'server-a' }, 1),
      startWeeklySettlement({ ...settlementDeps(app), database: second, logger: b.logger, holder: 'server-b' }, 1),
    ];
    try {
      for (let i = 0; i < 50 && a.messages.length + b.messages.length < 2; i++) await sleep(50);
      await sleep(200);
      const runs = [...a.messages, ...b.messages].filter((m) => m === 'weekly settlement');
      expect(runs).toHaveLength(1);
      expect([...a.messages, ...b.messages]).not.toContain('weekly settlement failed');
      const row = app.database.sqlite.prepare(`SELECT done_slot AS doneSlot, lease_until AS leaseUntil FROM job_leases WHERE name = ?`).get(WEEKLY_SETTLEMENT_JOB) as { doneSlot: number; leaseUntil: number | null };
      expect(row).toEqual({ doneSlot: runAt.getTime(), leaseUntil: null });
    } finally {
      jobs.forEach((j) => j.stop());
    }
  });

  it('let another server take over a run whose server died, once its lease ran out, and never run a done slot again', async () => {
    const { logger } = recordingLogger();
    const slot = new Date('2027-01-12T01:00:00Z');
    const deps = (database: Database_, holder: string) => ({ database, clock, logger, holder, leaseMs: 60_000 });
    let ran = 0;
    // Server A takes the run and then "dies": its task never ends, its lease is never renewed.
    let dead = false;
    const hung = runOnce(deps(app.database, 'server-a'), 'test-job', slot, () => new Promise<void>((resolve) => {
      const t = setInterval(() => dead && (clearInterval(t), resolve()), 10);
    }));
    expect(await runOnce(deps(second, 'server-b'), 'test-job', slot, async () => void ran++)).toEqual({ ran: false, reason: 'busy', retryAt: clock.now().getTime() + 60_000 });
    expect(ran).toBe(0);
    clock.advance(60_000);
    expect(await runOnce(deps(second, 'server-b'), 'test-job', slot, async () => void ran++)).toEqual({ ran: true });
    expect(ran).toBe(1);
    // A's late end changes nothing: the row is B's now.
    dead = true;
    expect(await hung).toEqual({ ran: true });
    expect(await runOnce(deps(app.database, 'server-a'), 'test-job', slot, async () => void ran++)).toEqual({ ran: false, reason: 'done' });
    expect(await runOnce(deps(second, 'server-b'), 'test-job', slot, async () => void ran++)).toEqual({ ran: false, reason: 'done' });
    // The next planned run is taken again.
    expect(await runOnce(deps(app.database, 'server-a'), 'test-job', new Date(slot.getTime() + 86_400_000), async () => void ran++)).toEqual({ ran: true });
    expect(ran).toBe(2);
    // A run that fails lets its lease go without marking its slot done: the next try runs it.
    const later = new Date(slot.getTime() + 2 * 86_400_000);
    await expect(runOnce(deps(app.database, 'server-a'), 'test-job', later, async () => { throw new Error('disk full'); })).rejects.toThrow('disk full');
    expect(await runOnce(deps(second, 'server-b'), 'test-job', later, async () => void ran++)).toEqual({ ran: true });
    expect(ran).toBe(3);
  });
});
