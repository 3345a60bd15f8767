import { csvCell, csvEuros } from '../../lib/csv';
import { Router, type Response } from 'express';
import { invoiceDocument, orderDocument } from '../../domain/invoices/invoices-service';
import { pgOrderDocumentsStore, sqliteOrderDocumentsStore } from '../../domain/orders/order-documents-store';
import { sqliteOrderReads } from '../../domain/orders/order-reads';
import { pgOrderReads } from '../../domain/orders/order-reads-pg';
import type { Order } from '../../domain/orders/orders-repository';
import { orderBuyer } from '../../domain/orders/buyer-snapshot';
import type { Voucher } from '../../domain/vouchers/voucher';
import { effectiveStatus } from '../../domain/vouchers/voucher';
import { checkFacturX } from '../../invoices/facturx';
import { renderInvoiceOffThread } from '../../invoices/pdf-thread';
import { formatCode } from '../../lib/codes';
import { AppError } from '../../lib/errors';
import { translate } from '../../lib/i18n';
import { streamVoucherSheetsOffThread } from '../../pdf/sheets-thread';
import { storeLookups, storeUnits } from '../backend-units';
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
const markCodesExported = async (ctx: AppContext, order: Order, byOperator: boolean) => {
  if (!byOperator && !order.codesExportedAt) await storeUnits(ctx, sqliteOrderReads, pgOrderReads)((s) => s.markCodesExported(order.id, ctx.clock.now().toISOString()));
};

/** The documents' reads: single statements, outside any transaction on SQLite (as before), pooled on PostgreSQL. */
const docReads = (ctx: AppContext) => storeLookups(ctx, sqliteOrderDocumentsStore, pgOrderDocumentsStore);

/** The order's vouchers page by page: no statement (nor pooled connection) held across the awaits of a streamed response. */
async function* voucherPages(ctx: AppContext, orderId: string, pageSize = 500): AsyncGenerator<Voucher> {
  let after = '';
  for (;;) {
    const rows = await docReads(ctx)((s) => s.voucherPage(orderId, after, pageSize));
    for (const v of rows) yield v;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

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
    await markCodesExported(ctx, order, byOperator);
    const { campaign, brand } = await docReads(ctx)(function* (s) {
      return { campaign: (yield* s.campaign(order.campaignId))!, brand: yield* s.pdfBrand() };
    });
    pdfHeaders(res, `bons-${order.reference}.pdf`);
    const vouchers = (async function* () {
      for await (const v of voucherPages(ctx, order.id)) yield { code: v.code, formatted: formatCode(v.code), amountCents: v.amountCents, expiresAt: v.expiresAt, recipientName: v.recipientName, message: v.message, campaignName: campaign.name };
    })();
    const eventLabel = order.giftEvent ? translate(res.locals.locale, `gift_event.${order.giftEvent}`) : undefined;
    try {
      await streamVoucherSheetsOffThread(res, vouchers, { baseUrl: ctx.baseUrl, locale: res.locals.locale, title: campaign.name, orderReference: order.reference, brand, ...(eventLabel ? { eventLabel } : {}) });
    } catch (err) {
      // Headers are gone: cut the connection so a truncated PDF is never taken for a whole one.
      res.destroy(err as Error);
    }
  },

  // The codes for the organisation's own tools; from now on its page may show them too.
  async vouchersCsv(ctx: AppContext, order: Order, res: Response, byOperator = false): Promise<void> {
    paid(order);
    await markCodesExported(ctx, order, byOperator);
    const now = ctx.clock.now();
    res.set('Cache-Control', 'no-store').type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="codes-${order.reference}.csv"`);
    res.write('\ufeffcode;montant;statut;expire_le;beneficiaire;email;url\r\n');
    for await (const v of voucherPages(ctx, order.id)) {
      const code = formatCode(v.code);
      const line = [code, csvEuros(v.amountCents), effectiveStatus(v, now), v.expiresAt.slice(0, 10), v.recipientName, v.recipientEmail, `${ctx.baseUrl}/v/${code}`].map((c) => csvCell(c)).join(';');
      if (!res.write(line + '\r\n')) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  },

  async proformaPdf(ctx: AppContext, order: Order, res: Response): Promise<void> {
    // The pro-forma renders the order's own copy of its buyer: a later order with the same
    // SIRET and email, or the organisation editing its details, never changes it.
    const buyer = order.organisationId ? orderBuyer(order) : undefined;
    if (!buyer) throw new AppError('NOT_FOUND', 404, 'errors.not_found');
    const { items, campaign, brand } = await docReads(ctx)(function* (s) {
      return { items: yield* s.items(order.id), campaign: (yield* s.campaign(order.campaignId))!, brand: yield* s.pdfBrand() };
    });
    const source = { order, buyer, items, campaignName: campaign.name, operator: ctx.config.operator };
    const doc = orderDocument(source, { proforma: true, number: null, now: new Date(order.createdAt) });
    const pdf = await renderInvoiceOffThread(doc, res.locals.locale, 'pdf', brand);
    pdfHeaders(res, `proforma-${order.reference}.pdf`).send(pdf);
  },

  // The invoice as issued (stored document); public bodies get the Factur-X file for Chorus Pro.
  async invoicePdf(ctx: AppContext, order: Order, res: Response): Promise<void> {
    const { invoice, brand } = await docReads(ctx)(function* (s) {
      const invoice = yield* s.invoice(order.id);
      return { invoice, brand: invoice ? yield* s.pdfBrand() : null };
    });
    if (!invoice || !brand) throw new AppError('INVOICE_NOT_ISSUED', 409, 'errors.invoice_not_issued');
    const doc = invoiceDocument(invoice);
    // EN 16931 forbids out-of-scope voucher lines and a taxed fee on one e-invoice: such an
    // invoice stays a plain PDF (see server/invoices/facturx.ts).
    const pdf = await renderInvoiceOffThread(doc, res.locals.locale, doc.buyer.kind === 'public' && checkFacturX(doc).ok ? 'facturx' : 'pdf', brand);
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
