/**
 * One settlement dataset on either backend: a SQLite file (copied) or a fresh PostgreSQL
 * database the file is copied into by copy-database. `books()` reads the settlement's
 * results without ids (statements per shop, account balances, what is left unsettled) with
 * one read program run on either backend (db/read-program.ts), so two runs compare with toEqual.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { copySqliteToPostgres } from '../../db/copy/copy-database';
import { connectPostgres, migratePostgres } from '../../db/postgres';
import { runReadAsync, runReadSync, type ReadProgram, type Row } from '../../db/read-program';
import type { Backend } from './till-backends';
import type { PgCluster } from './postgres';

export interface SettlementBooks {
  batches: number;
  open: number;
  statements: Row[];
  accounts: Row[];
  unsettled: number;
  mails: number;
}

export function* settlementBooks(): ReadProgram<SettlementBooks> {
  const n = (rows: Row[]) => Number(rows[0]!.n);
  return {
    batches: n(yield { sql: `SELECT COUNT(*) AS n FROM settlement_batches` }),
    open: n(yield { sql: `SELECT COUNT(*) AS n FROM settlement_batches WHERE closed_at IS NULL` }),
    statements: yield {
      sql: `SELECT m.slug, s.gross_cents, s.commission_cents, s.vat_cents, s.net_cents, s.redemption_count, s.method, s.status
        FROM statements s JOIN merchants m ON m.id = s.merchant_id ORDER BY m.slug`,
    },
    accounts: yield { sql: `SELECT account, SUM(amount_cents) AS balance FROM journal_lines GROUP BY account ORDER BY account` },
    unsettled: n(yield { sql: `SELECT COUNT(*) AS n FROM redemptions WHERE status = 'completed' AND statement_id IS NULL` }),
    mails: n(yield { sql: `SELECT COUNT(*) AS n FROM outbox_messages WHERE kind = 'settlement_statement'` }),
  };
}

export interface SettlementTarget {
  backend: Backend;
  /** The DATABASE_URL a `cli` child process is given. */
  url: string;
  /** The directory for its DATA_DIR (SEPA files). */
  dataDir: string;
  read<T>(program: ReadProgram<T>): Promise<T>;
  /** Runs SQL statements written for both dialects (a test's own edits). */
  exec(sql: string): Promise<void>;
}

/** A copy of the SQLite file `base` on `backend`, in `dir/name`. */
export async function settlementTarget(backend: Backend, base: string, dir: string, name: string, cluster?: PgCluster): Promise<SettlementTarget> {
  const dataDir = join(dir, name);
  mkdirSync(dataDir, { recursive: true });
  if (backend === 'sqlite') {
    const file = join(dataDir, 'app.db');
    copyFileSync(base, file);
    return {
      backend, dataDir, url: `file:${file}`,
      read: async (program) => {
        const db = new Database(file, { readonly: true });
        try {
          return runReadSync(db, program);
        } finally {
          db.close();
        }
      },
      exec: async (sql) => {
        const db = new Database(file);
        try {
          db.exec(sql);
        } finally {
          db.close();
        }
      },
    };
  }
  const url = await cluster!.createDatabase(name.replace(/[^a-z0-9_]/g, '_'));
  const client = await connectPostgres(url);
  try {
    await migratePostgres(client);
    const source = new Database(base, { readonly: true });
    try {
      const copied = await copySqliteToPostgres(source, client);
      if (!copied.ok) throw new Error(`copy-database: ${JSON.stringify(copied)}`);
    } finally {
      source.close();
    }
  } finally {
    await client.end();
  }
  return {
    backend, dataDir, url,
    read: async (program) => {
      const c = await connectPostgres(url);
      try {
        return await runReadAsync(c, program);
      } finally {
        await c.end();
      }
    },
    exec: async (sql) => {
      const c = await connectPostgres(url);
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    },
  };
}
