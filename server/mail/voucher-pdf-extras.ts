import { voucherPdfShops } from '../domain/campaigns/voucher-shops-repository';
import { DEFAULT_PDF_BRAND } from '../pdf/pdf-brand';
import type { MessageContext } from './mail-parts';

/**
 * What a voucher PDF attached to a mail needs beyond the campaign: the brand, the partner
 * shops and the moment of printing. A mail is rendered when the outbox sends it, so its
 * PDF states the balance at that moment.
 */
export function mailPdfExtras(ctx: MessageContext, campaign: { id: string; slug: string }) {
  return { brand: DEFAULT_PDF_BRAND, printedAt: new Date(), shops: voucherPdfShops(ctx.database.db, campaign, ctx.baseUrl) };
}
