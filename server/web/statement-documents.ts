import type { Response } from 'express';
import { AppError } from '../lib/errors';
import { streamStatementCsv } from '../settlement/statement-csv';
import { splitStatementLines, splitStatementLinesFrom, type SplitLine, type StatementDocument } from '../settlement/statement-data';
import { statementDocumentProgram, statementLinesProgram } from '../settlement/statement-reads';
import { loadPdfBrand } from '../domain/brand/brand-service';
import { pgMailReads } from '../mail/mail-reads-pg';
import { readOn, streamOn } from './backend-units';
import { streamStatementInvoicePdf } from '../settlement/statement-invoice-pdf';
import { streamStatementPdf } from '../settlement/statement-pdf';
import type { AppContext } from './context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A statement by id, scoped to one shop when `merchantId` is given; unknown and another shop's look the same (404). */
export function statementDocumentFor(ctx: AppContext, id: string, merchantId?: string): StatementDocument | Promise<StatementDocument> {
  const found = (d: StatementDocument | undefined) => {
    if (!d) throw new AppError('STATEMENT_NOT_FOUND', 404, 'errors.not_found');
    return d;
  };
  if (!UUID.test(id)) return found(undefined);
  const d = readOn(ctx, () => statementDocumentProgram(id, merchantId));
  // SQLite reads synchronously, and the download starts in the same turn as before.
  return d instanceof Promise ? d.then(found) : found(d);
}

/**
 * The statement's lines with their commission split, on the app's backend: SQLite's keyset
 * pages pulled synchronously (as before), or the same pages from the PostgreSQL pool, a
 * connection per page.
 */
function splitLines(ctx: AppContext, d: StatementDocument): Iterable<SplitLine> | AsyncIterable<SplitLine> {
  return ctx.pg ? splitStatementLinesFrom(streamOn(ctx, statementLinesProgram(d.statement.id)), d) : splitStatementLines(ctx.database, d);
}


export type StatementDocumentKind = 'pdf' | 'csv' | 'invoice';

/**
 * Streams one of a statement's documents, for the shop and for the operator alike. Once
 * bytes are out an error can only cut the connection (a truncated file must not look whole);
 * before that, the error page is sent instead, without the file's headers.
 */
export async function sendStatementDocument(ctx: AppContext, res: Response, document: StatementDocument | Promise<StatementDocument>, kind: StatementDocumentKind): Promise<void> {
  const d = document instanceof Promise ? await document : document;
  const locale = res.locals.locale;
  // Read before the first byte: an error here is still an error page.
  const brand = kind === 'csv' ? undefined : ctx.pg ? await pgMailReads(ctx.pg.pool).pdfBrand() : loadPdfBrand(ctx.database.db);
  res.set('Cache-Control', 'no-store');
  const write =
    kind === 'csv'
      ? (res.type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${d.statement.reference}.csv"`), () => streamStatementCsv(splitLines(ctx, d), d, res, locale))
      : kind === 'pdf'
        ? (res.type('application/pdf').set('Content-Disposition', `inline; filename="${d.statement.reference}.pdf"`), () => streamStatementPdf({ lines: splitLines(ctx, d), operator: ctx.config.operator, brand }, d, res, locale))
        : (res.type('application/pdf').set('Content-Disposition', `inline; filename="${d.statement.invoiceNumber}.pdf"`), () => streamStatementInvoicePdf({ operator: ctx.config.operator, brand }, d, res, locale));
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
