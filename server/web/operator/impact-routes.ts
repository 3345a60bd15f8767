import { Router, type Request } from 'express';
import { formatDayRange, formatLongDate } from '../../lib/dates';
import { formatMoneyShort } from '../../lib/money';
import { weeklyChartSvg } from '../../reports/impact-chart';
import { IMPACT_TABLES, impactCsvProgram, impactProgram, type ImpactFilter, type ImpactTable } from '../../reports/impact';
import { impactCampaignBySlug, impactCampaignChoices } from '../../reports/impact-campaigns';
import { readOn } from '../backend-units';
import type { AppContext } from '../context';
import type { ReadProgram } from '../../../db/read-program';
import { operatorPage, requireOperator } from './session';

/**
 * The impact dashboard for the operator and its sponsors: progress per campaign, who buys,
 * where the money is spent, the weekly trend and the 12-month payment volume against the
 * ACPR threshold. Read-only (campaigns.read); every table has its CSV export. `?campagne=`
 * narrows sales and spending to one campaign.
 */
/** Shops listed on the page itself, biggest first. */
export const IMPACT_PAGE_SHOPS = 200;

export function operatorImpactRoutes(ctx: AppContext): Router {
  const r = Router();
  const BASE = '/operateur/impact';
  const slugOf = (req: Request) => (typeof req.query.campagne === 'string' ? req.query.campagne : '');
  /** The filter, then what is read under it, on one snapshot (either backend). */
  const readFiltered = <T,>(req: Request, then: (filter: ImpactFilter) => ReadProgram<T>) =>
    readOn(ctx, function* () {
      const c = yield* impactCampaignBySlug(slugOf(req));
      const filter: ImpactFilter = c ? { campaignId: c.id } : {};
      return { slug: c ? c.slug : null, value: yield* then(filter) };
    });

  r.get(BASE, requireOperator('campaigns.read'), async (req, res) => {
    const { t, locale } = res.locals;
    const now = ctx.clock.now();
    const { slug, value: { report, choices } } = await readFiltered(req, function* (filter) {
      return { report: yield* impactProgram(now, filter), choices: yield* impactCampaignChoices() };
    });
    const chart = weeklyChartSvg(report.weeks, {
      title: t('cadmin.impact.chart_title'),
      desc: t('cadmin.impact.chart_desc', { weeks: report.weeks.length }),
      sold: t('cadmin.col.sold'),
      redeemed: t('cadmin.col.redeemed'),
      money: (c) => formatMoneyShort(Math.round(c / 100) * 100, locale),
      day: (d) => formatDayRange(d, d, locale),
    });
    const q = slug ? `?campagne=${encodeURIComponent(slug)}` : '';
    res.render('operator/impact', {
      title: t('cadmin.impact.title'),
      ...operatorPage(res, 'impact'),
      report: {
        ...report,
        buyers: report.buyers.map((b) => ({ ...b, label: t(`cadmin.impact.buyer.${b.buyerType}`) })),
        volume: { ...report.volume, sinceLabel: formatLongDate(report.volume.since, locale) },
      },
      chart,
      // The page lists the biggest shops only (rendering every row of a national network
      // would hold the event loop); the CSV has them all.
      shopsOnPage: report.shops.slice(0, IMPACT_PAGE_SHOPS),
      shopsMore: Math.max(0, report.shops.length - IMPACT_PAGE_SHOPS),
      campaignChoices: choices.map((c) => ({ ...c, selected: c.slug === slug })),
      selected: slug,
      csv: Object.fromEntries(IMPACT_TABLES.map((name) => [name.replace('-', '_'), `${BASE}/${name}.csv${q}`])),
    });
  });

  r.get(`${BASE}/:file`, requireOperator('campaigns.read'), async (req, res, next) => {
    const m = /^([a-z-]+)\.csv$/.exec(String(req.params.file));
    if (!m || !(IMPACT_TABLES as readonly string[]).includes(m[1]!)) return next();
    const now = ctx.clock.now();
    const { value: csv } = await readFiltered(req, (filter) => impactCsvProgram(now, filter, m[1] as ImpactTable));
    res.type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="impact-${m[1]}.csv"`).send(csv);
  });
  return r;
}
