import type { Clock } from '../lib/clock';

/**
 * Runs `task` at every time `nextRun` gives, on a timer that never keeps the process
 * alive, until `stop()`. Each next time is worked out from the planned time (or "now" if
 * the run started late), not from when the timer fired: a timer firing a few ms early
 * must not plan the same run again. `task` handles its own errors (a job logs them and
 * its next run still happens).
 */
export function runRecurring(clock: Clock, nextRun: (after: Date) => Date, task: (at: Date) => Promise<void>): { stop: () => void } {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const schedule = (after: Date) => {
    if (stopped) return;
    const at = nextRun(after);
    timer = setTimeout(() => {
      const next = new Date(Math.max(clock.now().getTime(), at.getTime()));
      void task(at).finally(() => schedule(next));
    }, Math.max(0, at.getTime() - clock.now().getTime()));
    timer.unref();
  };
  schedule(clock.now());
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
