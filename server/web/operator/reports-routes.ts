import { Router } from 'express';
import { parsePeriod } from '../../lib/calendar-date';
import { csvCell, csvEuros } from '../../lib/csv';
import { fecLines, journalCsvLines } from '../../reports/fec';
import { journalEntries } from '../../reports/journal-entries';
import { liabilityReport } from '../../reports/liability';
import { reconciliationReport } from '../../reports/reconciliation';
import type { AppContext } from '../context';
import { streamLines } from '../stream-lines';
import { operatorPage, requireOperator } from './session';


/** The accountant's reports: liability with ageing, money in vs out, FEC and journal exports. */
export function operatorReportRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get('/operateur/rapports', requireOperator('settlements.read'), (_req, res) => {
    const now = ctx.clock.now();
    // Computed once: the reconciliation is built on the same liability rows.
    const liability = liabilityReport(ctx.database, now);
    res.render('operator/reports', {
      title: res.locals.t('operator.reports.title'),
      ...operatorPage(res, 'reports'),
      liability,
      reconciliation: reconciliationReport(ctx.database, now, liability),
    });
  });

  r.get('/operateur/rapports/fec.txt', requireOperator('settlements.read'), async (req, res) => {
    const p = parsePeriod(req.query);
    res.type('text/plain; charset=utf-8').set('Content-Disposition', `attachment; filename="FEC-${p.from ?? 'debut'}-${p.to ?? 'fin'}.txt"`);
    await streamLines(res, fecLines(journalEntries(ctx.database, p)), { eol: '\n' });
  });
  r.get('/operateur/rapports/journal.csv', requireOperator('settlements.read'), async (req, res) => {
    const p = parsePeriod(req.query);
    res.type('text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="journal.csv"');
    await streamLines(res, journalCsvLines(journalEntries(ctx.database, p)), { eol: '\n', bom: true });
  });
  r.get('/operateur/rapports/encours.csv', requireOperator('settlements.read'), (_req, res) => {
    const rows = liabilityReport(ctx.database, ctx.clock.now());
    const head = 'campagne;emis;encaisse;expire;annule;ajuste;encours;moins_3_mois;3_6_mois;6_12_mois;plus_12_mois;expire_sous_30_jours';
    const body = rows.map((l) => [l.slug, ...[l.issuedCents, l.redeemedCents, l.expiredCents, l.cancelledCents, l.adjustedCents, l.outstandingCents, l.ageing.under3MonthsCents, l.ageing.from3To6MonthsCents, l.ageing.from6To12MonthsCents, l.ageing.over12MonthsCents, l.expiringWithin30DaysCents].map(csvEuros)].map((c) => csvCell(c)).join(';'));
    res.type('text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="encours.csv"').send('\ufeff' + [head, ...body].join('\r\n') + '\r\n');
  });
  return r;
}
