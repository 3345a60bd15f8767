import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { calendarDate } from '../../lib/calendar-date';
import { can } from '../../domain/operators/roles';
import { markSepaExecutedSteps } from '../../domain/settlements/payouts';
import { batchSepaFilesOnDisk, runSettlement } from '../../domain/settlements/run-settlement';
import { implicitFirstFileSteps, sepaFileName, sepaXmlSteps } from '../../domain/settlements/sepa-export';
import { completeSepaFilesSteps } from '../../domain/settlements/sepa-files';
import { recentBatches, shopNames, unsettledByShop } from '../../domain/settlements/settlement-pages';
import { cutoffFor } from '../../domain/settlements/settlement-service';
import { pgSettlementUnits } from '../../domain/settlements/settlement-store-pg';
import { sqliteSettlementUnits } from '../../domain/settlements/settlement-store-sqlite';
import type { SettlementBatch } from '../../domain/settlements/settlements-repository';
import { parisDate } from '../../lib/paris-time';
import { settlementUntil } from '../../jobs/weekly-settlement';
import { AppError } from '../../lib/errors';
import { readOn } from '../backend-units';
import type { AppContext } from '../context';
import { sendStatementDocument, statementDocumentFor } from '../statement-documents';
import { batchDetailView, batchListView, unsettledPreview } from './settlements-view';
import { operatorPage, requireOperator } from './session';

const runForm = z.object({ until: calendarDate });
const fileSeq = z.coerce.number().int().min(1).max(9999);
const executeForm = z.object({ file: fileSeq.optional() });

/**
 * Settlements in the back-office: what waits for the next run (and which shops would be
 * held back, and why), past batches, running one by hand, the SEPA file, and confirming the
 * bank executed it. Running is the same exactly-once service as `cli settle` and the job.
 */
export function operatorSettlementRoutes(ctx: AppContext): Router {
  const r = Router();
  const me = (res: Response) => res.locals.operatorUser!;
  // The same settlement units as `cli settle` (SQLite: BEGIN IMMEDIATE per unit; PostgreSQL: pooled, after the settlement lock).
  const units = ctx.pg ? pgSettlementUnits(ctx.pg) : sqliteSettlementUnits(ctx.database);
  const batchOf = async (req: Request): Promise<SettlementBatch> => {
    const id = String(req.params.id);
    const b = await units.run(units.read((s) => s.findBatch(id)));
    if (!b) throw new AppError('BATCH_NOT_FOUND', 404, 'errors.not_found');
    return b;
  };

  const list = async (req: Request, res: Response, status = 200, alert?: string) => {
    const now = ctx.clock.now();
    const cutoff = cutoffFor(parisDate(now), now, ctx.config.voidWindowMinutes).toISOString();
    const { waiting, batches } = await readOn(ctx, function* () {
      return { waiting: yield* unsettledByShop(cutoff), batches: yield* recentBatches() };
    });
    res.status(status).render('operator/settlements', {
      title: res.locals.t('operator.settlements.title'),
      ...operatorPage(res, 'settlements'),
      canRun: can(me(res).role, 'settlements.run'),
      // By default, what the weekly run would settle today: up to yesterday.
      until: typeof req.body?.until === 'string' ? req.body.until : settlementUntil(now),
      preview: unsettledPreview(waiting, res.locals.t),
      batches: batchListView(batches, res.locals.locale, res.locals.t),
      alert,
    });
  };
  r.get('/operateur/reglements', requireOperator('settlements.read'), async (req, res) => list(req, res));

  r.post('/operateur/reglements', requireOperator('settlements.run'), async (req, res) => {
    const form = runForm.safeParse(req.body ?? {});
    if (!form.success) return await list(req, res, 422, res.locals.t('errors.date'));
    try {
      const result = await runSettlement(
        { units, clock: ctx.clock, voidWindowMinutes: ctx.config.voidWindowMinutes, operator: ctx.config.operator, dataDir: ctx.config.dataDir, transfers: ctx.transfers },
        { until: form.data.until, actor: `operator:${me(res).id}` },
      );
      ctx.kickOutbox();
      if (!result.created) return await list(req, res, 200, res.locals.t('operator.settlements.nothing_new', { count: result.holds.length }));
      res.redirect(303, `/operateur/reglements/${result.batch!.id}`);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      await list(req, res, err.status, res.locals.t(err.messageKey, err.params));
    }
  });

  const detail = async (req: Request, res: Response, done?: string, status = 200, alert?: string) => {
    const batch = await batchOf(req);
    const shops = await readOn(ctx, shopNames);
    const reads = await units.run(units.snapshot(function* (s) {
      const implicit = yield* implicitFirstFileSteps(s, batch);
      return { shops, implicit, statements: yield* s.batchStatements(batch.id), files: implicit ? [] : yield* s.batchSepaFiles(batch.id), holds: yield* s.batchHolds(batch.id) };
    }));
    res.status(status).render('operator/settlement', {
      title: res.locals.t('operator.settlement.title', { reference: batch.reference }),
      ...operatorPage(res, 'settlements'),
      ...batchDetailView(reads, batch, res.locals.locale, res.locals.t),
      canRun: can(me(res).role, 'settlements.run'),
      done,
      alert,
    });
  };
  r.get('/operateur/reglements/:id', requireOperator('settlements.read'), async (req, res) => detail(req, res));

  // File 1 keeps the address it always had; the files completing a batch are numbered.
  const download = async (req: Request, res: Response, seq: number) => {
    const batch = await batchOf(req);
    const xml = await units.run(units.snapshot((s) => sepaXmlSteps(s, batch, ctx.config.operator, seq)));
    if (!xml) throw new AppError('NO_SEPA_FILE', 404, 'errors.not_found');
    res.type('application/xml').set('Content-Disposition', `attachment; filename="${sepaFileName(batch, seq)}"`).send(xml);
  };
  r.get('/operateur/reglements/:id/sepa.xml', requireOperator('settlements.read'), async (req, res) => download(req, res, 1));
  r.get('/operateur/reglements/:id/sepa-:seq.xml', requireOperator('settlements.read'), async (req, res) => {
    const seq = fileSeq.safeParse(req.params.seq);
    if (!seq.success) throw new AppError('NO_SEPA_FILE', 404, 'errors.not_found');
    await download(req, res, seq.data);
  });

  // After a shop fixed its bank details: a file for the statements left out of the earlier ones.
  r.post('/operateur/reglements/:id/sepa', requireOperator('settlements.run'), async (req, res) => {
    const batch = await batchOf(req);
    const deps = { clock: ctx.clock, operator: ctx.config.operator, dataDir: ctx.config.dataDir };
    const done = await units.run(completeSepaFilesSteps(units, deps, batch.id, `operator:${me(res).id}`));
    await units.run(batchSepaFilesOnDisk(units, deps, batch));
    const t = res.locals.t;
    await detail(req, res, done.produced === null ? undefined : t('operator.settlement.produced', { seq: done.produced }), 200, done.held.length ? t('operator.settlement.still_held', { count: done.held.length }) : undefined);
  });

  r.post('/operateur/reglements/:id/execute', requireOperator('settlements.run'), async (req, res) => {
    const batch = await batchOf(req);
    const form = executeForm.safeParse(req.body ?? {});
    if (!form.success) return await detail(req, res, undefined, 422, res.locals.t('operator.settlement.file_required'));
    try {
      const r2 = await units.run(markSepaExecutedSteps(units, ctx.clock, batch.id, `operator:${me(res).id}`, form.data.file));
      await detail(req, res, r2.alreadyExecuted ? res.locals.t('operator.settlement.already_executed') : res.locals.t('operator.settlement.executed_done', { count: r2.paid }));
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      await detail(req, res, undefined, err.status, res.locals.t(err.messageKey, err.params));
    }
  });
  // Any shop's statement documents, for support and the accountant (read permission).
  for (const [file, kind] of [['releve.pdf', 'pdf'], ['releve.csv', 'csv'], ['facture.pdf', 'invoice']] as const) {
    r.get(`/operateur/releves/:sid/${file}`, requireOperator('settlements.read'), (req, res) => sendStatementDocument(ctx, res, statementDocumentFor(ctx, String(req.params.sid)), kind));
  }
  return r;
}
