import { formatCode } from '../lib/codes';
import { translateForPage } from '../lib/i18n';
import { formatMoney } from '../lib/money';
import { streamVoucherPdf } from '../pdf/voucher-pdf';
import { mailPdfExtrasOf } from './voucher-pdf-extras';
import { plainMail, readsOf, template, texts, toBuffer, type MessageContext } from './mail-parts';
import { renderBeneficiaryVoucher, renderOrgOrderConfirm, renderOrgOrderMail, renderOrgOrderPaid, renderOrgPageLink } from './org-messages';
import type { OutboxMessage } from './outbox-repository';
import { renderVoucherExpiryReminder } from './voucher-messages';
import { renderGiftSent, renderVoucherGift } from './gift-messages';
import { renderSettlementStatement } from './settlement-messages';
import { renderMerchantRejected, renderOwnerInvitation } from './onboarding-messages';
import type { OutgoingMail } from './transport';

export type { MessageContext } from './mail-parts';

/**
 * Builds a message from an outbox row at send time, from the current data: a retried
 * message shows current balances, and no PDF bytes sit in the outbox table.
 */
export async function renderMessage(ctx: MessageContext, msg: OutboxMessage): Promise<OutgoingMail> {
  switch (msg.kind) {
    case 'order_vouchers':
      return renderOrderVouchers(ctx, JSON.parse(msg.payload) as { orderId: string }, msg.recipient);
    case 'password_reset':
    case 'staff_invitation':
      return renderPasswordLink(ctx, msg.kind, JSON.parse(msg.payload) as { userId: string; token: string; locale: string }, msg.recipient);
    case 'owner_invitation':
      return renderOwnerInvitation(ctx, JSON.parse(msg.payload) as { userId: string; token: string; locale: string }, msg.recipient);
    case 'merchant_rejected':
      return renderMerchantRejected(ctx, JSON.parse(msg.payload) as { merchantId: string; reason: string; locale: string }, msg.recipient);
    case 'org_order_proforma':
    case 'org_order_created':
      return renderOrgOrderMail(ctx, msg.kind, JSON.parse(msg.payload) as { orderId: string; accessToken: string; pageToken: string }, msg.recipient);
    case 'org_order_confirm':
      return renderOrgOrderConfirm(ctx, JSON.parse(msg.payload) as { orderId: string; confirmToken: string }, msg.recipient);
    case 'org_order_paid':
      return renderOrgOrderPaid(ctx, JSON.parse(msg.payload) as { orderId: string }, msg.recipient);
    case 'beneficiary_voucher':
      return renderBeneficiaryVoucher(ctx, JSON.parse(msg.payload) as { voucherId: string }, msg.recipient);
    case 'org_page_link':
      return renderOrgPageLink(ctx, JSON.parse(msg.payload) as { organisationId: string; pageToken: string; locale: string }, msg.recipient);
    case 'settlement_statement':
      return renderSettlementStatement(ctx, JSON.parse(msg.payload) as { statementId: string }, msg.recipient);
    case 'voucher_expiry_reminder':
      return renderVoucherExpiryReminder(ctx, JSON.parse(msg.payload) as { voucherId: string }, msg.recipient);
    case 'voucher_gift':
      return renderVoucherGift(ctx, JSON.parse(msg.payload) as { giftId: string }, msg.recipient);
    case 'voucher_gift_sent':
      return renderGiftSent(ctx, JSON.parse(msg.payload) as { giftId: string; sentAt: string }, msg.recipient);
    default:
      throw new Error(`unknown message kind ${msg.kind}`);
  }
}

async function renderOrderVouchers(ctx: MessageContext, payload: { orderId: string }, to: string): Promise<OutgoingMail> {
  const reads = readsOf(ctx);
  const order = await reads.order(payload.orderId);
  if (!order) throw new Error(`order ${payload.orderId} not found`);
  const campaign = (await reads.campaign(order.campaignId))!;
  const vouchers = await reads.orderVouchers(order.id);
  const brand = await reads.brand();
  const extras = await mailPdfExtrasOf(ctx, campaign);
  const locale = order.locale;
  const view = {
    t: texts(locale, ['mail.hello', 'mail.vouchers_intro', 'mail.voucher_line', 'mail.pdf_attached', 'mail.multi_purpose', 'mail.thanks', 'mail.demo'], { campaign: campaign.name, name: order.buyerName, reference: order.reference }),
    demo: ctx.demo,
    campaign: campaign.name,
    operator: campaign.operatorName,
    total: formatMoney(order.totalCents, locale),
    vouchers: vouchers.map((v) => ({
      url: `${ctx.baseUrl}/v/${formatCode(v.code)}`,
      code: formatCode(v.code),
      amount: formatMoney(v.amountCents, locale),
      recipient: v.recipientName,
    })),
  };
  const pdf = await toBuffer((out) =>
    streamVoucherPdf(out, vouchers, { baseUrl: ctx.baseUrl, locale, campaignName: campaign.name, operatorName: campaign.operatorName, demo: ctx.demo, ...extras }),
  );
  return {
    to,
    subject: translateForPage(locale, 'mail.vouchers_subject', { campaign: campaign.name, reference: order.reference }),
    text: template(ctx, 'order-vouchers.text', brand)(view),
    html: template(ctx, 'order-vouchers.html', brand)(view),
    attachments: [{ filename: `bons-${order.reference}.pdf`, content: pdf, contentType: 'application/pdf' }],
  };
}

/** Password reset and staff invitation: a plain message with the one-time link. */
async function renderPasswordLink(ctx: MessageContext, kind: 'password_reset' | 'staff_invitation', p: { userId: string; token: string; locale: string }, to: string): Promise<OutgoingMail> {
  const reads = readsOf(ctx);
  const user = await reads.user(p.userId);
  if (!user) throw new Error(`user ${p.userId} not found`);
  const shop = (await reads.shop(user.merchantId))!;
  const params = { link: `${ctx.baseUrl}/mot-de-passe/${p.token}`, name: user.name, shop: shop.name, till: `${ctx.baseUrl}/caisse` };
  const [subjectKey, bodyKey] = kind === 'password_reset' ? ['mail.reset_subject', 'mail.reset_body'] : ['mail.invite_subject', 'mail.invite_body'];
  return plainMail(to, translateForPage(p.locale, subjectKey, params), translateForPage(p.locale, bodyKey, params));
}
