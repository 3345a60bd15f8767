import type { Tx } from '../../db/client';
import { findGift } from '../domain/gifts/gifts-repository';
import { GIFT_SENT_KIND } from '../domain/gifts/gifts-service';
import { findOrder } from '../domain/orders/orders-repository';
import { formatCode } from '../lib/codes';
import { formatLongDate, formatStamp } from '../lib/dates';
import { translateForPage } from '../lib/i18n';
import { formatMoney } from '../lib/money';
import { streamVoucherPdf } from '../pdf/voucher-pdf';
import { mailPdfExtrasOf } from './voucher-pdf-extras';
import { plainMail, punctuation, readsOf, template, toBuffer, type MessageContext } from './mail-parts';
import { enqueueMessage, type OutboxMessage } from './outbox-repository';
import { PermanentMailError, type OutgoingMail } from './transport';

/** The send, its voucher, order and campaign, on the context's backend (readsOf). */
async function load(ctx: MessageContext, giftId: string) {
  const reads = readsOf(ctx);
  const gift = await reads.gift(giftId);
  if (!gift) throw new PermanentMailError(`gift ${giftId} not found`);
  const voucher = (await reads.voucher(gift.voucherId))!;
  const order = (await reads.order(gift.orderId))!;
  const campaign = (await reads.campaign(voucher.campaignId))!;
  return { gift, voucher, order, campaign };
}

/**
 * voucher_gift: the voucher, mailed to the recipient the buyer chose, at the instant they
 * chose. Rendered when due, from the send as it is then (an address changed before the day
 * is the one used). A voucher cancelled or spent meanwhile is not sent: giving it is no
 * longer possible, and retrying would not change that.
 */
export async function renderVoucherGift(ctx: MessageContext, p: { giftId: string }, to: string): Promise<OutgoingMail> {
  const { gift, voucher, order, campaign } = await load(ctx, p.giftId);
  if (voucher.status !== 'active') throw new PermanentMailError(`voucher ${voucher.id} is ${voucher.status}: gift not sent`);
  const locale = order.locale;
  const code = formatCode(voucher.code);
  const params = {
    name: gift.recipientName ?? '',
    buyer: order.buyerName,
    campaign: campaign.name,
    amount: formatMoney(voucher.balanceCents, locale),
    expires: formatLongDate(voucher.expiresAt, locale),
  };
  const tr = (key: string) => translateForPage(locale, key, params);
  const view = {
    t: {
      ...punctuation(locale),
      hello: gift.recipientName ? tr('mail.hello') : tr('mail.org.hello_anonymous'),
      gift_intro: tr('gifts.mail.intro'),
      gift_message: tr('gifts.mail.message'),
      gift_expires: tr('mail.org.gift_expires'),
      voucher_line: tr('mail.voucher_line'),
      gift_pdf: tr('mail.org.gift_pdf'),
      multi_purpose: tr('mail.multi_purpose'),
      thanks: tr('mail.thanks'),
      demo: tr('mail.demo'),
    },
    demo: ctx.demo,
    campaign: campaign.name,
    operator: campaign.operatorName,
    amount: params.amount,
    code,
    url: `${ctx.baseUrl}/v/${code}`,
    event: null,
    message: gift.message,
  };
  const extras = await mailPdfExtrasOf(ctx, campaign);
  const brand = await readsOf(ctx).brand();
  const pdf = await toBuffer((out) => streamVoucherPdf(out, [voucher], { baseUrl: ctx.baseUrl, locale, campaignName: campaign.name, operatorName: campaign.operatorName, demo: ctx.demo, ...extras }));
  return {
    to,
    subject: translateForPage(locale, 'gifts.mail.subject', params),
    text: template(ctx, 'beneficiary-voucher.text', brand)(view),
    html: template(ctx, 'beneficiary-voucher.html', brand)(view),
    attachments: [{ filename: `bon-${voucher.code.slice(0, 4)}.pdf`, content: pdf, contentType: 'application/pdf' }],
  };
}

/** voucher_gift_sent: tells the buyer when their gift went out and to whom. */
export async function renderGiftSent(ctx: MessageContext, p: { giftId: string; sentAt: string }, to: string): Promise<OutgoingMail> {
  const { gift, voucher, order } = await load(ctx, p.giftId);
  const params = {
    name: order.buyerName,
    amount: formatMoney(voucher.amountCents, order.locale),
    recipient: gift.recipientEmail,
    when: formatStamp(p.sentAt, order.locale),
    reference: order.reference,
  };
  return plainMail(to, translateForPage(order.locale, 'gifts.mail.sent_subject', params), translateForPage(order.locale, 'gifts.mail.sent_body', params));
}

/** Run in the transaction that marks a gift's mail sent: the buyer's note exists if and only if it was. */
export function afterGiftSent(tx: Tx, msg: OutboxMessage, now: Date): void {
  const { giftId } = JSON.parse(msg.payload) as { giftId: string };
  const gift = findGift(tx, giftId);
  const order = gift && findOrder(tx, gift.orderId);
  if (!order) return;
  enqueueMessage(tx, { kind: GIFT_SENT_KIND, recipient: order.buyerEmail, payload: { giftId, sentAt: now.toISOString() } }, now);
}
