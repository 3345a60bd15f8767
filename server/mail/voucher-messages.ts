import { formatCode } from '../lib/codes';
import { formatLongDate } from '../lib/dates';
import { translateForPage } from '../lib/i18n';
import { formatMoney } from '../lib/money';
import { readsOf, template, texts, type MessageContext } from './mail-parts';
import type { OutgoingMail } from './transport';

const KEYS = ['hello', 'hello_anonymous', 'intro', 'gift_for', 'after', 'balance', 'open', 'shops', 'once'].map((k) => `mail.expiry.${k}`);

/**
 * voucher_expiry_reminder: one voucher with value left expires within the reminder window
 * (server/domain/vouchers/expiry-reminders.ts). Rendered at send time, so it shows the
 * balance as it is then; in the order's locale (French when the order has none we know).
 * No PDF: the link opens the voucher, whose page has it.
 */
export async function renderVoucherExpiryReminder(ctx: MessageContext, p: { voucherId: string }, to: string): Promise<OutgoingMail> {
  const reads = readsOf(ctx);
  const voucher = await reads.voucher(p.voucherId);
  if (!voucher) throw new Error(`voucher ${p.voucherId} not found`);
  const order = await reads.order(voucher.orderId);
  const campaign = (await reads.campaign(voucher.campaignId))!;
  const brand = await reads.brand();
  const locale = order?.locale ?? 'fr';
  const code = formatCode(voucher.code);
  // Written to the recipient when the voucher has their address, else to the buyer about their gift.
  const toRecipient = voucher.recipientEmail !== null && voucher.recipientEmail === to;
  const name = toRecipient ? voucher.recipientName : (order?.buyerName ?? null);
  const params = {
    name: name ?? '',
    campaign: campaign.name,
    balance: formatMoney(voucher.balanceCents, locale),
    expires: formatLongDate(voucher.expiresAt, locale),
    recipient: voucher.recipientName ?? '',
  };
  const t = texts(locale, [...KEYS, 'mail.demo'], params);
  const view = {
    t: { ...t, hello: name ? t.hello : t.hello_anonymous },
    demo: ctx.demo,
    campaign: campaign.name,
    operator: campaign.operatorName,
    balance: params.balance,
    code,
    url: `${ctx.baseUrl}/v/${code}`,
    shopsUrl: `${ctx.baseUrl}/campagnes/${campaign.slug}`,
    giftFor: !toRecipient && voucher.recipientName ? t.gift_for : null,
  };
  return {
    to,
    subject: translateForPage(locale, 'mail.expiry.subject', params),
    text: template(ctx, 'voucher-expiry-reminder.text', brand)(view),
    html: template(ctx, 'voucher-expiry-reminder.html', brand)(view),
  };
}
