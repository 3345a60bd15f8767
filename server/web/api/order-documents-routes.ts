import { csvCell, csvEuros } from '../../lib/csv';
import { Router, type Response } from 'express';
import { findCampaignById } from '../../domain/campaigns/campaigns-repository';
import { findOrderInvoice, invoiceDocument, orderDocument } from '../../domain/invoices/invoices-service';
import { updateOrder, listOrderItems, type Order } from '../../domain/orders/orders-repository';
import { orderBuyer } from '../../domain/orders/buyer-snapshot';
import { orderVoucherPages } from '../../domain/vouchers/order-voucher-pages';
import { effectiveStatus } from '../../domain/vouchers/voucher';
import { checkFacturX } from '../../invoices/facturx';
import { renderInvoiceOffThread } from '../../invoices/pdf-thread';
import { loadPdfBrand } from '../../domain/brand/brand-service';
import { formatCode } from '../../lib/codes';
import { AppError } from '../../lib/errors';
import { translate } from '../../lib/i18n';
import { streamVoucherSheetsOffThread } from '../../pdf/sheets-thread';
import type { AppContext } from '../context';
import { orderAccess, orderFor } from './order-access';

const pdfHeaders = (res: Response, name: string) => res.set('Cache-Control', 'no-store').type('application/pdf').set('Content-Disposition', `inline; filename="${name}"`);
const paid = (order: Order) => {
  if (order.status !== 'paid') throw new AppError('ORDER_NOT_PAID', 409, 'errors.order_not_paid');
  // Sheets and codes list every voucher: not before the last slice is issued (seconds).
  if (order.issueJournalId) throw new AppError('ORDER_ISSUING', 409, 'errors.order_issuing');
};
/**
 * Both the sheets and the CSV carry every code: from the buyer's first download, the
 * organisation's page may show them. The operator downloading them (support, printing on
 * the town's behalf) is not the organisation asking for its codes: nothing changes.
 */
const markCodesExported = (ctx: AppContext, order: Order, byOperator: boolean) => {
  if (!byOperator && !order.codesExportedAt) ctx.database.transaction((tx) => updateOrder(tx, order.id, { codesExportedAt: ctx.clock.now().toISOString() }));
};

/**
 * An order's documents, whoever is allowed to see them: the buyer (order token), the
 * operator (admin key) through the API, or the organisation's contact through its page.
 * The caller has checked access; each function writes the whole response.
 */
export const orderDocuments = {
  // Printable sheets, 8 per page, drawn in a worker thread and streamed page by page
  // (10 000 vouchers stay flat in memory and the event loop stays free).
  async vouchersPdf(ctx: AppContext, order: Order, res: Response, byOperator = false): Promise<void> {
    paid(order);
    markCodesExported(ctx, order, byOperator);
    const campaign = findCampaignById(ctx.database.db, order.campaignId)!;
    pdfHeaders(res, `bons-${order.reference}.pdf`);
    const vouchers = (async function* () {
      for await (const v of orderVoucherPages(ctx.database, order.id)) yield { code: v.code, formatted: formatCode(v.code), amountCents: v.amountCents, expiresAt: v.expiresAt, recipientName: v.recipientName, message: v.message, campaignName: campaign.name };
    })();
    const eventLabel = order.giftEvent ? translate(res.locals.locale, `gift_event.${order.giftEvent}`) : undefined;
    try {
      await streamVoucherSheetsOffThread(res, vouchers, { baseUrl: ctx.baseUrl, locale: res.locals.locale, title: campaign.name, orderReference: order.reference, brand: loadPdfBrand(ctx.database.db), ...(eventLabel ? { eventLabel } : {}) });
    } catch (err) {
      // Headers are gone: cut the connection so a truncated PDF is never taken for a whole one.
      res.destroy(err as Error);
    }
  },

  // The codes for the organisation's own tools; from now on its page may show them too.
  async vouchersCsv(ctx: AppContext, order: Order, res: Response, byOperator = false): Promise<void> {
    paid(order);
    markCodesExported(ctx, order, byOperator);
    const now = ctx.clock.now();
    res.set('Cache-Control', 'no-store').type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="codes-${order.reference}.csv"`);
    res.write('\ufeffcode;montant;statut;expire_le;beneficiaire;email;url\r\n');
    for await (const v of orderVoucherPages(ctx.database, order.id)) {
      const code = formatCode(v.code);
      const line = [code, csvEuros(v.amountCents), effectiveStatus(v, now), v.expiresAt.slice(0, 10), v.recipientName, v.recipientEmail, `${ctx.baseUrl}/v/${code}`].map((c) => csvCell(c)).join(';');
      if (!res.write(line + '\r\n')) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  },

  async proformaPdf(ctx: AppContext, order: Order, res: Response): Promise<void> {
    const db = ctx.database.db;
    // The pro-forma renders the order's own copy of its buyer: a later order with the same
    // SIRET and email, or the organisation editing its details, never changes it.
    const buyer = order.organisationId ? orderBuyer(order) : undefined;
    if (!buyer) throw new AppError('NOT_FOUND', 404, 'errors.not_found');
    const source = { order, buyer, items: listOrderItems(db, order.id), campaignName: findCampaignById(db, order.campaignId)!.name, operator: ctx.config.operator };
    const doc = orderDocument(source, { proforma: true, number: null, now: new Date(order.createdAt) });
    const pdf = await renderInvoiceOffThread(doc, res.locals.locale, 'pdf', loadPdfBrand(db));
    pdfHeaders(res, `proforma-${order.reference}.pdf`).send(pdf);
  },

  // The invoice as issued (stored document); public bodies get the Factur-X file for Chorus Pro.
  async invoicePdf(ctx: AppContext, order: Order, res: Response): Promise<void> {
    const invoice = findOrderInvoice(ctx.database.db, order.id);
    if (!invoice) throw new AppError('INVOICE_NOT_ISSUED', 409, 'errors.invoice_not_issued');
    const doc = invoiceDocument(invoice);
    // EN 16931 forbids out-of-scope voucher lines and a taxed fee on one e-invoice: such an
    // invoice stays a plain PDF (see server/invoices/facturx.ts).
    const pdf = await renderInvoiceOffThread(doc, res.locals.locale, doc.buyer.kind === 'public' && checkFacturX(doc).ok ? 'facturx' : 'pdf', loadPdfBrand(ctx.database.db));
    pdfHeaders(res, `${invoice.number}.pdf`).send(pdf);
  },
};

/** Documents of an order for its buyer (token) or the operator (admin key). */
export function orderDocumentRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get('/orders/:id/vouchers.pdf', async (req, res) => {
    const a = await orderAccess(ctx, req);
    return orderDocuments.vouchersPdf(ctx, a.order, res, a.byOperator);
  });
  r.get('/orders/:id/vouchers.csv', async (req, res) => {
    const a = await orderAccess(ctx, req);
    return orderDocuments.vouchersCsv(ctx, a.order, res, a.byOperator);
  });
  r.get('/orders/:id/proforma.pdf', async (req, res) => orderDocuments.proformaPdf(ctx, await orderFor(ctx, req), res));
  r.get('/orders/:id/invoice.pdf', async (req, res) => orderDocuments.invoicePdf(ctx, await orderFor(ctx, req), res));
  return r;
}
