import type { Database_ } from '../../db/client';
import { lineSplitter } from '../domain/settlements/commission';
import { statementLines, type SettlementBatch, type Statement, type StatementCampaign, type StatementLine } from '../domain/settlements/settlements-repository';
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

export type StatementListItem = Statement & { batchReference: string; until: string; cutoffAt: string };

/**
 * The statement's redemptions in order, each with its commission and VAT share: one
 * `lineSplitter` per campaign (the rounding unit is statement × campaign), fed in the
 * repository's order. After the last line the shares must add up to the stored
 * per-campaign and statement totals; anything else is a bug and throws, so a document
 * that would not reconcile is never finished (the caller aborts the download).
 */
export function* splitStatementLines(database: Database_, d: StatementDocument): Generator<SplitLine> {
  const split = statementSplitter(d);
  for (const l of statementLines(database, d.statement)) yield split.line(l);
  split.finish();
}

/** The same split over lines read on any backend (a stream program's pages on PostgreSQL). */
export async function* splitStatementLinesFrom(lines: AsyncIterable<StatementLine> | Iterable<StatementLine>, d: StatementDocument): AsyncGenerator<SplitLine> {
  const split = statementSplitter(d);
  for await (const l of lines) yield split.line(l);
  split.finish();
}

function statementSplitter(d: StatementDocument) {
  const acc = new Map(d.campaigns.map((c) => [c.campaignId, { c, split: lineSplitter(c.commissionBps, c.vatBps), count: 0, gross: 0, commission: 0, vat: 0 }]));
  const line = (l: StatementLine): SplitLine => {
    const a = acc.get(l.campaignId);
    if (!a) throw new Error(`statement ${d.statement.reference}: redemption ${l.number} is for a campaign without a statement row`);
    const s = a.split(l.amountCents);
    a.count++;
    a.gross += s.grossCents;
    a.commission += s.commissionCents;
    a.vat += s.vatCents;
    return { number: l.number, createdAt: l.createdAt, code: l.code, campaignName: a.c.name, ...s };
  };
  const finish = () => {
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
  };
  return { line, finish };
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
