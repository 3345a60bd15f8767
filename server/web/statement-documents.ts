import type { Response } from 'express';
import { AppError } from '../lib/errors';
import { streamStatementCsv } from '../settlement/statement-csv';
import { loadStatementDocument, type StatementDocument } from '../settlement/statement-data';
import { loadPdfBrand } from '../domain/brand/brand-service';
import { streamStatementInvoicePdf } from '../settlement/statement-invoice-pdf';
import { streamStatementPdf } from '../settlement/statement-pdf';
import type { AppContext } from './context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A statement by id, scoped to one shop when `merchantId` is given; unknown and another shop's look the same (404). */
export function statementDocumentFor(ctx: AppContext, id: string, merchantId?: string): StatementDocument {
  const d = UUID.test(id) ? loadStatementDocument(ctx.database, id, merchantId) : undefined;
  if (!d) throw new AppError('STATEMENT_NOT_FOUND', 404, 'errors.not_found');
  return d;
}

export type StatementDocumentKind = 'pdf' | 'csv' | 'invoice';

/**
 * Streams one of a statement's documents, for the shop and for the operator alike. Once
 * bytes are out an error can only cut the connection (a truncated file must not look whole);
 * before that, the error page is sent instead, without the file's headers.
 */
export async function sendStatementDocument(ctx: AppContext, res: Response, d: StatementDocument, kind: StatementDocumentKind): Promise<void> {
  const locale = res.locals.locale;
  res.set('Cache-Control', 'no-store');
  const write =
    kind === 'csv'
      ? (res.type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${d.statement.reference}.csv"`), () => streamStatementCsv(ctx.database, d, res, locale))
      : kind === 'pdf'
        ? (res.type('application/pdf').set('Content-Disposition', `inline; filename="${d.statement.reference}.pdf"`), () => streamStatementPdf({ database: ctx.database, operator: ctx.config.operator, brand: loadPdfBrand(ctx.database.db) }, d, res, locale))
        : (res.type('application/pdf').set('Content-Disposition', `inline; filename="${d.statement.invoiceNumber}.pdf"`), () => streamStatementInvoicePdf({ operator: ctx.config.operator, brand: loadPdfBrand(ctx.database.db) }, d, res, locale));
  try {
    await write();
  } catch (err) {
    if (!res.headersSent) {
      for (const h of ['Content-Disposition', 'Content-Type']) res.removeHeader(h);
      throw err;
    }
    ctx.logger.error({ err, statement: d.statement.id }, 'statement document failed');
    res.destroy(err as Error);
  }
}
