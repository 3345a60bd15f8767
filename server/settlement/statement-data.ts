import { desc, eq, sql } from 'drizzle-orm';
import type { Database_, Tx } from '../../db/client';
import { settlementBatches, statements } from '../../db/schema/index';
import { lineSplitter } from '../domain/settlements/commission';
import { findBatch, findStatement, statementCampaignRows, statementLines, type SettlementBatch, type Statement, type StatementCampaign } from '../domain/settlements/settlements-repository';
import { maskIban } from '../lib/identifiers';
import { translate } from '../lib/i18n';

/**
 * What the statement documents (shop pages, CSV, PDF, commission invoice) are drawn from:
 * the stored statement, its batch, the shop and its per-campaign rows. Amounts are never
 * recomputed from today's rates: the stored rows are the truth, and the per-line split
 * below is checked against them.
 */

export interface StatementShop {
  id: string;
  name: string;
  address: string;
  postalCode: string;
  city: string;
  siret: string | null;
}

export interface CampaignSummary extends StatementCampaign {
  name: string;
  netCents: number;
}

export interface StatementDocument {
  statement: Statement;
  batch: SettlementBatch;
  shop: StatementShop;
  /** By campaign name: the order of the summary tables. */
  campaigns: CampaignSummary[];
}

/** One redemption of the statement with its share of the campaign's commission and VAT. */
export interface SplitLine {
  number: number;
  createdAt: string;
  code: string;
  campaignName: string;
  grossCents: number;
  commissionCents: number;
  vatCents: number;
  netCents: number;
}

/** A statement, or undefined when it does not exist or (with `merchantId`) belongs to another shop. */
export function loadStatementDocument(database: Database_, statementId: string, merchantId?: string): StatementDocument | undefined {
  const db = database.db;
  const statement = findStatement(db, statementId);
  if (!statement || (merchantId !== undefined && statement.merchantId !== merchantId)) return undefined;
  const batch = findBatch(db, statement.batchId)!;
  const live = db.get<StatementShop>(sql`SELECT id, name, address, postal_code AS postalCode, city, siret FROM merchants WHERE id = ${statement.merchantId}`);
  // The commission invoice names the shop by the SIRET it had when invoiced, not today's.
  const shop = { ...live, siret: statement.merchantSiret ?? live.siret };
  const names = campaignNames(db, statement.id);
  const campaigns = statementCampaignRows(db, statement.id)
    .map((c) => ({ ...c, name: names.get(c.campaignId) ?? c.campaignId, netCents: c.grossCents - c.commissionCents - c.vatCents }))
    .sort((a, b) => a.name.localeCompare(b.name, 'fr') || a.campaignId.localeCompare(b.campaignId));
  return { statement, batch, shop, campaigns };
}

function campaignNames(db: Tx, statementId: string): Map<string, string> {
  const rows = db.all<{ id: string; name: string }>(sql`
    SELECT c.id, c.name FROM statement_campaigns sc JOIN campaigns c ON c.id = sc.campaign_id WHERE sc.statement_id = ${statementId}`);
  return new Map(rows.map((r) => [r.id, r.name]));
}

export type StatementListItem = Statement & { batchReference: string; until: string; cutoffAt: string };

/** A shop's statements, newest first, with their batch's period. */
export function shopStatements(database: Database_, merchantId: string, limit = 200): StatementListItem[] {
  return database.db
    .select({ s: statements, batchReference: settlementBatches.reference, until: settlementBatches.until, cutoffAt: settlementBatches.cutoffAt })
    .from(statements)
    .innerJoin(settlementBatches, eq(settlementBatches.id, statements.batchId))
    .where(eq(statements.merchantId, merchantId))
    .orderBy(desc(statements.createdAt), desc(statements.reference))
    .limit(limit)
    .all()
    .map((r) => ({ ...r.s, batchReference: r.batchReference, until: r.until, cutoffAt: r.cutoffAt }));
}

/**
 * The statement's redemptions in order, each with its commission and VAT share: one
 * `lineSplitter` per campaign (the rounding unit is statement × campaign), fed in the
 * repository's order. After the last line the shares must add up to the stored
 * per-campaign and statement totals; anything else is a bug and throws, so a document
 * that would not reconcile is never finished (the caller aborts the download).
 */
export function* splitStatementLines(database: Database_, d: StatementDocument): Generator<SplitLine> {
  const acc = new Map(d.campaigns.map((c) => [c.campaignId, { c, split: lineSplitter(c.commissionBps, c.vatBps), count: 0, gross: 0, commission: 0, vat: 0 }]));
  for (const l of statementLines(database, d.statement)) {
    const a = acc.get(l.campaignId);
    if (!a) throw new Error(`statement ${d.statement.reference}: redemption ${l.number} is for a campaign without a statement row`);
    const s = a.split(l.amountCents);
    a.count++;
    a.gross += s.grossCents;
    a.commission += s.commissionCents;
    a.vat += s.vatCents;
    yield { number: l.number, createdAt: l.createdAt, code: l.code, campaignName: a.c.name, ...s };
  }
  const sums = { count: 0, gross: 0, commission: 0, vat: 0 };
  for (const { c, count, gross, commission, vat } of acc.values()) {
    if (count !== c.redemptionCount || gross !== c.grossCents || commission !== c.commissionCents || vat !== c.vatCents) {
      throw new Error(`statement ${d.statement.reference}, campaign ${c.campaignId}: lines give ${count}/${gross}/${commission}/${vat}, stored ${c.redemptionCount}/${c.grossCents}/${c.commissionCents}/${c.vatCents}`);
    }
    sums.count += count;
    sums.gross += gross;
    sums.commission += commission;
    sums.vat += vat;
  }
  const s = d.statement;
  if (sums.count !== s.redemptionCount || sums.gross !== s.grossCents || sums.commission !== s.commissionCents || sums.vat !== s.vatCents || s.netCents !== s.grossCents - s.commissionCents - s.vatCents + s.breakageCents) {
    throw new Error(`statement ${s.reference}: lines do not add up to the stored totals`);
  }
}



/** « 16 novembre 2026 » for a YYYY-MM-DD calendar date (noon UTC is that day in Paris). */
export const calendarNoon = (ymd: string): string => `${ymd}T12:00:00Z`;

/** « Payé le 16 novembre 2026 », « En attente », « Virement en échec ». */
export function statusText(s: Pick<Statement, 'status' | 'paidAt'>, locale: string, date: (iso: string) => string): string {
  return s.status === 'paid' && s.paidAt ? translate(locale, 'statements.status_paid_on', { date: date(s.paidAt) }) : translate(locale, `statements.status_${s.status}`);
}

/** How the statement is paid: the masked IBAN and holder for a SEPA transfer, else the method's name. */
export function methodText(s: Pick<Statement, 'method' | 'iban' | 'accountHolder'>, locale: string): string {
  return s.method === 'sepa' && s.iban ? translate(locale, 'statements.method_sepa_iban', { iban: maskIban(s.iban), holder: s.accountHolder }) : translate(locale, `statements.method_${s.method}`);
}
