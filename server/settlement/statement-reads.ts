import type { Dialect, ReadProgram, StreamProgram } from '../../db/read-program';
import { pgSelectList } from '../../db/pg-select-list';
import { settlementBatches, statementCampaigns, statements } from '../../db/schema/index';
import type { SettlementBatch, Statement, StatementCampaign, StatementLine } from '../domain/settlements/settlements-repository';
import type { StatementDocument, StatementListItem, StatementShop } from './statement-data';

/**
 * The statement documents' reads as read programs (db/read-program.ts): the same SQL on the
 * SQLite file and on PostgreSQL (`readOn`/`streamOn` in server/web/backend-units.ts), rows in
 * the repositories' shapes (quoted camelCase aliases, which both engines keep as written).
 */

const STATEMENT = pgSelectList(statements, 's.');
const BATCH = pgSelectList(settlementBatches);
const CAMPAIGN_ROW = pgSelectList(statementCampaigns, 'sc.');

/** A statement with its batch, shop and per-campaign rows; undefined when unknown or (with `merchantId`) another shop's. */
export function* statementDocumentProgram(statementId: string, merchantId?: string): ReadProgram<StatementDocument | undefined> {
  const [statement] = (yield { sql: `SELECT ${STATEMENT} FROM statements s WHERE s.id = @id`, params: { id: statementId } }) as unknown as Statement[];
  if (!statement || (merchantId !== undefined && statement.merchantId !== merchantId)) return undefined;
  const [batch] = (yield { sql: `SELECT ${BATCH} FROM settlement_batches WHERE id = @id`, params: { id: statement.batchId } }) as unknown as SettlementBatch[];
  const [live] = (yield {
    sql: `SELECT id, name, address, postal_code AS "postalCode", city, siret FROM merchants WHERE id = @id`,
    params: { id: statement.merchantId },
  }) as unknown as StatementShop[];
  // The commission invoice names the shop by the SIRET it had when invoiced, not today's.
  const shop = { ...live!, siret: statement.merchantSiret ?? live!.siret };
  const rows = (yield {
    sql: `SELECT ${CAMPAIGN_ROW}, c.name AS "campaignName" FROM statement_campaigns sc LEFT JOIN campaigns c ON c.id = sc.campaign_id WHERE sc.statement_id = @id`,
    params: { id: statement.id },
  }) as unknown as (StatementCampaign & { campaignName: string | null })[];
  const campaigns = rows
    .map(({ campaignName, ...c }) => ({ ...c, name: campaignName ?? c.campaignId, netCents: c.grossCents - c.commissionCents - c.vatCents }))
    .sort((a, b) => a.name.localeCompare(b.name, 'fr') || a.campaignId.localeCompare(b.campaignId));
  return { statement, batch: batch!, shop, campaigns };
}

/** A shop's statements, newest first (ties by reference, bytewise as SQLite), with their batch's period. */
export function* shopStatementsProgram(dialect: Dialect, merchantId: string, limit = 200): ReadProgram<StatementListItem[]> {
  const bytewise = dialect === 'postgres' ? ' COLLATE "C"' : '';
  return (yield {
    sql: `SELECT ${STATEMENT}, b.reference AS "batchReference", b.until AS "until", b.cutoff_at AS "cutoffAt"
          FROM statements s JOIN settlement_batches b ON b.id = s.batch_id
          WHERE s.merchant_id = @merchant
          ORDER BY s.created_at${bytewise} DESC, s.reference${bytewise} DESC
          LIMIT @limit`,
    params: { merchant: merchantId, limit },
  }) as unknown as StatementListItem[];
}

const PAGE = 1000;

/**
 * A statement's redemptions in order, in pages of 1 000 keyed on (created_at, number) — the
 * same keyset as `statementLines` (settlements-repository.ts): no connection is held between
 * pages, so a 50 000-line download keeps nothing from the till.
 */
export function* statementLinesProgram(statementId: string): StreamProgram<StatementLine> {
  let after: [string, number] = ['', 0];
  for (;;) {
    const rows = (yield {
      read: {
        sql: `SELECT r.id, r.number, r.campaign_id AS "campaignId", r.amount_cents AS "amountCents", r.created_at AS "createdAt", v.code
              FROM redemptions r JOIN vouchers v ON v.id = r.voucher_id
              WHERE r.statement_id = @statement AND (r.created_at, r.number) > (@after, @number)
              ORDER BY r.created_at, r.number LIMIT ${PAGE}`,
        params: { statement: statementId, after: after[0], number: after[1] },
      },
    }) as unknown as StatementLine[];
    for (const l of rows) yield { out: l };
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = [last.createdAt, last.number];
  }
}
