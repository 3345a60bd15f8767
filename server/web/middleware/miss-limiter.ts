import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../lib/errors';

/**
 * Counts only misses (unknown or mistyped voucher codes) per IP in a fixed window and
 * refuses an IP past the limit until its window ends. A successful call costs one Map
 * lookup — cheaper than a general rate limiter that counts every request and then takes
 * successes back, which showed on the till's hot path. Memory is bounded by pruning.
 */
export class MissLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  blocked(ip: string): boolean {
    const w = this.windows.get(ip);
    return !!w && w.resetAt > this.now() && w.count >= this.limit;
  }

  miss(ip: string): void {
    const now = this.now();
    const w = this.windows.get(ip);
    if (!w || w.resetAt <= now) {
      if (this.windows.size >= 10_000) this.prune(now);
      this.windows.set(ip, { count: 1, resetAt: now + this.windowMs });
    } else {
      w.count++;
    }
  }

  middleware() {
    return (req: Request, _res: Response, next: NextFunction) => next(this.blocked(req.ip ?? '') ? new AppError('RATE_LIMITED', 429, 'errors.rate_limited') : undefined);
  }

  private prune(now: number) {
    for (const [ip, w] of this.windows) if (w.resetAt <= now) this.windows.delete(ip);
  }
}
