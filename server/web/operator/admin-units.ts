import type pg from 'pg';
import type { Tx } from '../../../db/client';
import { pgUnitOfWork, type PgUnit } from '../../../db/pg-write-behind';
import { sqliteUnits, type Units } from '../../../db/store-units';
import { runAsync } from '../../../db/unit-of-work';
import type { AppContext } from '../context';

/**
 * The back-office writes' runner: BEGIN IMMEDIATE on SQLite; on PostgreSQL a pooled unit of
 * work whose held writes (the audit entry) go with its last statement (db/pg-write-behind.ts).
 */
export function adminUnits<S>(ctx: Pick<AppContext, 'database' | 'pg'>, sqliteStore: (tx: Tx) => S, pgStore: (unit: PgUnit, client: pg.ClientBase) => S): Units<S> {
  if (ctx.pg) {
    const pg = ctx.pg;
    return (work) => pgUnitOfWork(pg, (unit, client) => runAsync(work(pgStore(unit, client))));
  }
  return sqliteUnits(ctx.database, sqliteStore);
}
