import type { Breach } from '../domain/ledger/check-ledger';
import type { Result } from './command';

/** What `check-ledger` prints, whichever backend it ran on. */
export function ledgerCheckResult(run: { breaches: Breach[]; ms: number; mode: 'full' | 'incremental'; since: string | null }): Result {
  const { breaches, ms, mode, since } = run;
  const what = mode === 'incremental' ? `what changed since the clean run of ${since}` : 'the whole ledger';
  return breaches.length
    ? { code: 1, json: { ok: false, breaches, mode, since }, text: `${breaches.length} breach(es) in ${what}:\n${breaches.map((b) => `  ${b.invariant}: ${b.detail}`).join('\n')}` }
    : { code: 0, json: { ok: true, breaches: [], ms, mode, since }, text: `ledger ok: every invariant holds in ${what} (${ms} ms)` };
}
