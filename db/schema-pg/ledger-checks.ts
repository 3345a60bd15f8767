import { sql } from 'drizzle-orm';
import { check, index, pgTable, text } from 'drizzle-orm/pg-core';
import { int64 } from './columns';

/**
 * One row per `check-ledger` run (migration 0019). `marks` is the JSON object
 * {journal code: last entry number} of the snapshot the run read: entry numbers are given
 * in commit order per journal (a locked counter row), so everything at or below a mark was
 * committed and seen. `--since-last-clean` verifies what was posted above the marks of the
 * latest clean run.
 */
export const ledgerChecks = pgTable(
  'ledger_checks',
  {
    id: text('id').primaryKey(),
    mode: text('mode', { enum: ['full', 'incremental'] }).notNull(),
    startedAt: text('started_at').notNull(),
    finishedAt: text('finished_at').notNull(),
    clean: int64('clean').notNull(),
    breaches: int64('breaches').notNull(),
    marks: text('marks').notNull(),
  },
  (t) => [
    index('ledger_checks_clean_finished_idx').on(t.clean, t.finishedAt),
    check('ledger_checks_mode', sql`${t.mode} IN ('full', 'incremental')`),
    check('ledger_checks_clean', sql`${t.clean} IN (0, 1)`),
  ],
);
