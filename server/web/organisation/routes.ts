import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { transferBalance } from '../../domain/orders/bank-transfers-service';
import type { Order } from '../../domain/orders/orders-repository';
import type { Organisation } from '../../domain/organisations/organisations-repository';
import { sqliteOrganisationStore } from '../../domain/organisations/organisation-store';
import { pgOrganisationStore } from '../../domain/organisations/organisation-store-pg';
import { organisationForToken, sendNewPageLinkSteps } from '../../domain/organisations/organisations-service';
import { confirmOrganisationOrderSteps, orderAwaitingConfirmationSteps } from '../../domain/organisations/order-confirmation';
import { orderBuyer } from '../../domain/orders/buyer-snapshot';
import { formatMoney } from '../../lib/money';
import { mailFormLimiter } from '../middleware/db-rate-limits';
import { formatCode } from '../../lib/codes';
import { AppError } from '../../lib/errors';
import { orderDocuments } from '../api/order-documents-routes';
import { storeLookups, storeReads, storeUnits } from '../backend-units';
import type { AppContext } from '../context';
import { formatDate } from '../presenters';

/** Vouchers listed per order on the page; the CSV export holds them all. */
export const PAGE_VOUCHERS = 200;

const STATUS_ORDER = ['unused', 'partly_used', 'spent', 'expired', 'cancelled', 'blocked'] as const;

/**
 * The organisation contact's page (its secret link, no password) and the form that emails
 * a new link. The page never shows the code of a voucher emailed to a beneficiary until
 * the organisation has exported the codes itself (the CSV): the code is the voucher.
 */
export function organisationRoutes(ctx: AppContext): Router {
  const r = Router();
  // On the backend the app runs on: writes in a unit of work, the page's reads on one snapshot (SQLite) or connection (PostgreSQL).
  const writes = storeUnits(ctx, sqliteOrganisationStore, pgOrganisationStore);
  const reads = storeReads(ctx, sqliteOrganisationStore, pgOrganisationStore);
  const access = { lookups: storeLookups(ctx, sqliteOrganisationStore, pgOrganisationStore), writes };
  r.use('/organisation/lien', ctx.withCsrf);
  r.use('/organisation/:id/confirmer/:orderId', ctx.withCsrf);
  // Each request may send an email: every attempt counts, like the password-reset form.
  const linkLimit = mailFormLimiter(ctx, 'org-link-address', ctx.rateLimits.signInsPer15Min);
  const noStore = (res: Response) => res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
  const tokenOf = (req: Request) => (typeof req.query.token === 'string' ? req.query.token : undefined);

  const linkPage = (res: Response, status: number, extra: object = {}) =>
    noStore(res).status(status).render('organisation/link', { title: res.locals.t('organisation.link_title'), noIndex: true, ...extra });

  r.get('/organisation/lien', (_req, res) => linkPage(res, 200));

  r.post('/organisation/lien', linkLimit, async (req, res) => {
    const rawEmail = String(req.body?.email ?? '').slice(0, 254);
    const rawSiret = String(req.body?.siret ?? '').slice(0, 40);
    const email = z.email().safeParse(rawEmail.trim().toLowerCase());
    const siret = rawSiret.replace(/[\s.]/g, '');
    const errors = { emailError: email.success ? undefined : res.locals.t('errors.email'), siretError: /^\d{14}$/.test(siret) ? undefined : res.locals.t('errors.siret') };
    if (!email.success || errors.siretError) return linkPage(res, 422, { ...errors, email: rawEmail, siret: rawSiret });
    const locale = res.locals.locale as string;
    const sent = await writes(function* (s) {
      const org = yield* s.organisationByContact(siret, email.data);
      if (org) yield* sendNewPageLinkSteps(s, org, locale, ctx.clock.now());
      return Boolean(org);
    });
    if (sent) ctx.kickOutbox();
    // The same answer whether or not an organisation matches.
    linkPage(res, 200, { sent: true });
  });

  const orderOf = async (org: Organisation, orderId: string): Promise<Order> => {
    const order = await access.lookups((s) => s.order(orderId));
    // An order awaiting the contact's confirmation is not the organisation's yet.
    if (!order || order.organisationId !== org.id || !order.organisationConfirmedAt) throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
    return order;
  };
  // The same documents as the API's order routes, authorised by the organisation's page token.
  const documents = [
    ['invoice', 'pdf', orderDocuments.invoicePdf],
    ['proforma', 'pdf', orderDocuments.proformaPdf],
    ['vouchers', 'pdf', orderDocuments.vouchersPdf],
    ['vouchers', 'csv', orderDocuments.vouchersCsv],
  ] as const;
  for (const [name, ext, send] of documents) {
    r.get(`/organisation/:id/orders/:orderId/${name}.${ext}`, async (req, res) => {
      const org = await organisationForToken(access, String(req.params.id), tokenOf(req));
      return send(ctx, await orderOf(org, String(req.params.orderId)), noStore(res));
    });
  }

  // The contact confirms an order placed with its organisation's SIRET and email (link from
  // the org_order_confirm mail). GET shows what was typed; only the POST confirms, so a
  // mail scanner following the link confirms nothing.
  const confirmPage = (req: Request, res: Response, status: number, order: Order, confirmed: boolean) => {
    const locale = res.locals.locale as string;
    const t = res.locals.t as (key: string, params?: Record<string, string | number>) => string;
    const buyer = orderBuyer(order);
    noStore(res).status(status).render('organisation/confirm', {
      title: t('organisation.confirm_title', { reference: order.reference }),
      noIndex: true,
      confirmed: confirmed || Boolean(order.organisationConfirmedAt),
      action: `/organisation/${encodeURIComponent(String(req.params.id))}/confirmer/${encodeURIComponent(order.id)}?token=${encodeURIComponent(tokenOf(req) ?? '')}`,
      reference: order.reference,
      date: formatDate(order.createdAt, locale),
      total: formatMoney(order.totalCents, locale),
      buyer,
    });
  };
  const ids = (req: Request) => [String(req.params.id), String(req.params.orderId), tokenOf(req)] as const;
  r.get('/organisation/:id/confirmer/:orderId', async (req, res) => {
    const { order } = await reads((s) => orderAwaitingConfirmationSteps(s, ...ids(req)));
    confirmPage(req, res, 200, order, false);
  });
  r.post('/organisation/:id/confirmer/:orderId', async (req, res) => {
    const { order } = await writes((s) => confirmOrganisationOrderSteps(s, ctx.clock.now(), ...ids(req)));
    confirmPage(req, res, 200, order, true);
  });

  r.get('/organisation/:id', async (req, res) => {
    const org = await organisationForToken(access, String(req.params.id), tokenOf(req));
    const token = tokenOf(req)!;
    const locale = res.locals.locale as string;
    const t = res.locals.t as (key: string, params?: Record<string, string | number>) => string;
    const now = ctx.clock.now().toISOString();
    // Every order with its counts and first vouchers, read on one snapshot (SQLite) or connection (PostgreSQL).
    const listed = await reads(function* (s) {
      const list = [];
      for (const o of yield* s.pageOrders(org.id)) list.push({ o, counts: yield* s.voucherStatusCounts(o.id, now), first: yield* s.firstVouchers(o.id, now, PAGE_VOUCHERS) });
      return list;
    });
    const orders = listed.map(({ o, counts: countRows, first }) => {
      const counts = new Map(countRows.map((c) => [c.status, c.n]));
      const count = [...counts.values()].reduce((a, b) => a + b, 0);
      const codesShown = Boolean(o.codesExportedAt);
      const docs = `/organisation/${org.id}/orders/${o.id}`;
      const q = `?token=${encodeURIComponent(token)}`;
      const vouchers = first.map((v) => ({
        amountCents: v.amountCents,
        balanceCents: v.balanceCents,
        recipientName: v.recipientName,
        status: v.status,
        statusLabel: t(`organisation.voucher_status.${v.status}`),
        // A voucher emailed to its beneficiary is theirs: its code stays hidden until the organisation exports the codes.
        code: !v.recipientEmail || codesShown ? formatCode(v.code) : null,
      }));
      const transfer = o.paymentMethod === 'bank_transfer';
      return {
        id: o.id,
        reference: o.reference,
        date: formatDate(o.createdAt, locale),
        totalCents: o.totalCents,
        statusLabel: t(`organisation.order_status.${o.status}`),
        paid: o.status === 'paid',
        transfer: transfer ? { paidCents: o.paidCents, remainingCents: transferBalance(o).remainingCents, reference: o.transferReference } : null,
        links: {
          proforma: o.status !== 'cancelled' ? `${docs}/proforma.pdf${q}` : null,
          invoice: o.status === 'paid' || o.status === 'refunded' ? `${docs}/invoice.pdf${q}` : null,
          sheets: o.status === 'paid' ? `${docs}/vouchers.pdf${q}` : null,
          csv: o.status === 'paid' ? `${docs}/vouchers.csv${q}` : null,
        },
        count,
        statusCounts: STATUS_ORDER.filter((s) => counts.get(s)).map((s) => ({ status: s, label: t(`organisation.voucher_status.${s}`), n: counts.get(s)! })),
        vouchers,
        truncated: count > vouchers.length ? { shown: vouchers.length, count } : null,
      };
    });
    noStore(res).render('organisation/page', { title: t('organisation.title', { organisation: org.name }), noIndex: true, organisation: org, orders });
  });

  return r;
}
