import { readsOf, type MessageContext } from './mail-parts';

/**
 * What a voucher PDF attached to a mail needs beyond the campaign: the operator's brand, the partner
 * shops and the moment of printing. A mail is rendered when the outbox sends it, so its
 * PDF states the balance at that moment.
 * Read on the context's backend (readsOf).
 */
export async function mailPdfExtrasOf(ctx: MessageContext, campaign: { id: string; slug: string }) {
  const reads = readsOf(ctx);
  return { brand: await reads.pdfBrand(), printedAt: new Date(), shops: await reads.pdfShops(campaign, ctx.baseUrl) };
}
