/**
 * The expiry's store on SQLite (see expiry-store.ts): prepared once per connection (a run may
 * write 100 000 movements), steps resolved at once inside the chunk's BEGIN IMMEDIATE.
 */
import type Database from 'better-sqlite3';
import { sqliteOf, type Database_, type Tx } from '../../../db/client';
import { done } from '../../../db/unit-of-work';
import { audit } from '../audit/audit-log';
import { sqliteJournalStore } from '../ledger/ledger-repository';
import type { BreakageRule, Weight } from './breakage';
import { expirable } from './expiry-rules';
import type { ExpiryCandidate, ExpiryStore } from './expiry-store';
import { sqliteLedgerStore } from './voucher-ledger-repository';

function build(s: Database.Database) {
  return {
    due: s.prepare<[string], { campaignId: string; n: number }>(`SELECT campaign_id AS campaignId, COUNT(*) AS n FROM vouchers WHERE ${expirable('?')} GROUP BY campaign_id`),
    campaign: s.prepare<[string], { slug: string; rule: BreakageRule }>(`SELECT slug, breakage_rule AS rule FROM campaigns WHERE id = ?`),
    // Keyset on rowid through the campaign index: each chunk starts where the last stopped.
    chunk: s.prepare<[string, number, string, number], ExpiryCandidate>(
      `SELECT rowid AS "after", id, balance_cents AS balanceCents FROM vouchers
       WHERE campaign_id = ? AND rowid > ? AND ${expirable('?')} ORDER BY rowid LIMIT ?`,
    ),
    redeemedByMerchant: s.prepare<[string], Weight>(
      `SELECT merchant_id AS key, SUM(amount_cents) AS weight FROM redemptions WHERE campaign_id = ? AND status = 'completed' GROUP BY merchant_id`,
    ),
  };
}

const cache = new WeakMap<Database.Database, ReturnType<typeof build>>();
function statements(sqlite: Database.Database) {
  let st = cache.get(sqlite);
  if (!st) cache.set(sqlite, (st = build(sqlite)));
  return st;
}

/** Vouchers due per campaign, read outside any transaction (an estimate: each chunk re-reads). */
export function sqliteExpiryDue(database: Database_, at: string): { campaignId: string; n: number }[] {
  return statements(database.sqlite).due.all(at);
}

export function sqliteExpiryStore(tx: Tx): ExpiryStore {
  const st = statements(sqliteOf(tx));
  return {
    ...sqliteLedgerStore(tx),
    ...sqliteJournalStore(tx),
    campaign: (id) => done(st.campaign.get(id)!),
    dueChunk: (campaignId, after, at, limit) => done(st.chunk.all(campaignId, (after as number | null) ?? 0, at, limit)),
    redeemedByMerchant: (campaignId) => done(st.redeemedByMerchant.all(campaignId)),
    audit: (e, now) => done(audit(tx, e, now)),
  };
}
