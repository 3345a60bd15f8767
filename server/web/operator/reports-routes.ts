import { z } from 'zod';
import { Router } from 'express';
import { parsePeriod } from '../../lib/calendar-date';
import { csvCell, csvEuros } from '../../lib/csv';
import { AppError } from '../../lib/errors';
import { parisDate } from '../../lib/paris-time';
import { fecLines, journalCsvLines } from '../../reports/fec';
import { fecBytes, fecFileName, isFecEncoding } from '../../reports/fec-file';
import { liabilityProgram } from '../../reports/liability';
import { reconciliationProgram } from '../../reports/reconciliation';
import { readOn } from '../backend-units';
import type { AppContext } from '../context';
import { journalEntriesOn } from './journal-on';
import { streamLines } from '../stream-lines';
import { operatorPage, requireOperator } from './session';

/** Absent or empty: ISO 8859-15. Anything but a string (a repeated parameter) is refused like an unknown name. */
const fecQuerySchema = z.object({ encoding: z.string().toLowerCase().optional().transform((x) => x || 'iso-8859-15').catch('?') });

/** The accountant's reports: liability with ageing, money in vs out, FEC and journal exports. */
export function operatorReportRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get('/operateur/rapports', requireOperator('settlements.read'), async (_req, res) => {
    const now = ctx.clock.now();
    // Computed once, on one snapshot: the reconciliation is built on the same liability rows.
    const { liability, reconciliation } = await readOn(ctx, function* () {
      const liability = yield* liabilityProgram(now);
      return { liability, reconciliation: yield* reconciliationProgram(now, liability) };
    });
    res.render('operator/reports', {
      title: res.locals.t('operator.reports.title'),
      ...operatorPage(res, 'reports'),
      liability,
      reconciliation,
    });
  });

  /**
   * The FEC in ISO 8859-15 (`?encoding=utf-8` for UTF-8), named <SIREN>FEC<AAAAMMJJ>.txt with
   * the period's closing date: `to`, or today when the period runs up to now.
   */
  r.get('/operateur/rapports/fec.txt', requireOperator('settlements.read'), async (req, res) => {
    const p = parsePeriod(req.query);
    const encoding = fecQuerySchema.parse(req.query).encoding;
    if (!isFecEncoding(encoding)) throw new AppError('FEC_ENCODING_UNSUPPORTED', 400, 'errors.fec_encoding_unsupported');
    const name = fecFileName(ctx.config.operator.siren, p.to ?? parisDate(ctx.clock.now()));
    res.type(`text/plain; charset=${encoding}`).set('Content-Disposition', `attachment; filename="${name}"`);
    await streamLines(res, fecLines(journalEntriesOn(ctx, p)), { eol: '\n', encode: (text) => fecBytes(text, encoding) });
  });
  r.get('/operateur/rapports/journal.csv', requireOperator('settlements.read'), async (req, res) => {
    const p = parsePeriod(req.query);
    res.type('text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="journal.csv"');
    await streamLines(res, journalCsvLines(journalEntriesOn(ctx, p)), { eol: '\n', bom: true });
  });
  r.get('/operateur/rapports/encours.csv', requireOperator('settlements.read'), async (_req, res) => {
    const now = ctx.clock.now();
    const rows = await readOn(ctx, () => liabilityProgram(now));
    const head = 'campagne;emis;encaisse;expire;annule;ajuste;encours;moins_3_mois;3_6_mois;6_12_mois;plus_12_mois;expire_sous_30_jours';
    const body = rows.map((l) => [l.slug, ...[l.issuedCents, l.redeemedCents, l.expiredCents, l.cancelledCents, l.adjustedCents, l.outstandingCents, l.ageing.under3MonthsCents, l.ageing.from3To6MonthsCents, l.ageing.from6To12MonthsCents, l.ageing.over12MonthsCents, l.expiringWithin30DaysCents].map(csvEuros)].map((c) => csvCell(c)).join(';'));
    res.type('text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="encours.csv"').send('\ufeff' + [head, ...body].join('\r\n') + '\r\n');
  });
  return r;
}
