import type { BrandSummary } from '../domain/brand/brand';
import type { Campaign } from '../domain/campaigns/campaign';
import { transferDetails } from '../domain/orders/bank-transfers-service';
import type { Order } from '../domain/orders/orders-repository';
import { organisationPageUrl } from '../domain/organisations/organisations-service';
import { formatCode } from '../lib/codes';
import { formatLongDate } from '../lib/dates';
import { translateForPage } from '../lib/i18n';
import { formatMoney } from '../lib/money';
import { streamVoucherPdf } from '../pdf/voucher-pdf';
import { mailPdfExtrasOf } from './voucher-pdf-extras';
import { plainMail, readsOf, template, texts, toBuffer, type MessageContext } from './mail-parts';
import type { OutgoingMail } from './transport';

/**
 * Mails of organisations' orders (companies, town halls): the order's contact gets the
 * pro-forma / order links and, once paid, a summary; each beneficiary with an address gets
 * their own voucher. Texts in the order's locale; rendered at send time from current data,
 * read on the app's backend (readsOf: the SQLite file or PostgreSQL).
 */


const orderUrl = (ctx: MessageContext, orderId: string, accessToken: string) => `${ctx.baseUrl}/commandes/${orderId}?token=${accessToken}`;
export const linkRequestUrl = (baseUrl: string) => `${baseUrl}/organisation/lien`;

async function loadOrder(ctx: MessageContext, orderId: string): Promise<{ order: Order; campaign: Campaign; organisationName: string; brand: BrandSummary }> {
  const reads = readsOf(ctx);
  const order = await reads.order(orderId);
  if (!order) throw new Error(`order ${orderId} not found`);
  const campaign = (await reads.campaign(order.campaignId))!;
  // Organisations' orders carry the organisation's name as ordered.
  return { order, campaign, organisationName: order.organisation ?? order.buyerName, brand: await reads.brand() };
}

/**
 * org_order_proforma (bank transfer: amount, IBAN, reference, pro-forma) and org_order_created (card: links).
 * Sent to an address the caller typed, nobody having confirmed it: the mail carries none of
 * the caller's text (no name, no organisation name), only ours, the amounts and the links.
 */
export async function renderOrgOrderMail(ctx: MessageContext, kind: 'org_order_proforma' | 'org_order_created', p: { orderId: string; accessToken: string; pageToken: string }, to: string): Promise<OutgoingMail> {
  const { order, campaign, organisationName, brand } = await loadOrder(ctx, p.orderId);
  const locale = order.locale;
  const params = { name: order.buyerName, organisation: organisationName, campaign: campaign.name, reference: order.reference };
  const proforma = kind === 'org_order_proforma';
  const view = {
    t: texts(locale, ['mail.org.hello_anonymous', 'mail.org.created_intro', 'mail.org.proforma_intro', 'mail.org.transfer_title', 'mail.org.amount', 'mail.org.iban', 'mail.org.bic', 'mail.org.beneficiary', 'mail.org.transfer_reference', 'mail.org.transfer_reference_hint', 'mail.org.proforma_link', 'mail.org.order_link', 'mail.org.page_link', 'mail.org.page_hint', 'mail.org.keep_private', 'mail.thanks', 'mail.demo'], params),
    demo: ctx.demo,
    proforma,
    campaign: campaign.name,
    operator: campaign.operatorName,
    reference: order.reference,
    total: formatMoney(order.totalCents, locale),
    transfer: proforma ? transferDetails(order, ctx.operator) : null,
    proformaUrl: proforma ? `${ctx.baseUrl}/api/v1/orders/${order.id}/proforma.pdf?token=${p.accessToken}` : null,
    orderUrl: orderUrl(ctx, order.id, p.accessToken),
    pageUrl: order.organisationId ? organisationPageUrl(ctx.baseUrl, { id: order.organisationId }, p.pageToken) : null,
  };
  view.t.hello = view.t.hello_anonymous!;
  return {
    to,
    subject: translateForPage(locale, proforma ? 'mail.org.proforma_subject' : 'mail.org.created_subject', params),
    text: template(ctx, 'org-order.text', brand)(view),
    html: template(ctx, 'org-order.html', brand)(view),
  };
}

/** org_order_paid: what was issued; the page link itself is only in the order mail (or the link form). */
export async function renderOrgOrderPaid(ctx: MessageContext, p: { orderId: string }, to: string): Promise<OutgoingMail> {
  const { order, campaign, organisationName, brand } = await loadOrder(ctx, p.orderId);
  const locale = order.locale;
  const stats = await readsOf(ctx).orderVoucherStats(order.id);
  const params = { name: order.buyerName, organisation: organisationName, campaign: campaign.name, reference: order.reference, count: stats.count, totalCents: stats.totalCents, emailed: stats.emailed, paper: stats.count - stats.emailed };
  const view = {
    t: {
      ...texts(locale, ['mail.org.hello_anonymous', 'mail.org.paid_intro', 'mail.org.paid_page', 'mail.org.link_form', 'mail.thanks', 'mail.demo'], params),
      // Each of these counts chooses its own plural form.
      ...texts(locale, ['mail.org.paid_emailed'], { ...params, count: params.emailed }),
      ...texts(locale, ['mail.org.paid_paper'], { ...params, count: params.paper }),
    },
    demo: ctx.demo,
    campaign: campaign.name,
    operator: campaign.operatorName,
    emailed: stats.emailed > 0,
    paper: params.paper > 0,
    linkFormUrl: linkRequestUrl(ctx.baseUrl),
  };
  // Nobody may have confirmed the address (an order paid by card): no caller text here either.
  view.t.hello = view.t.hello_anonymous!;
  return {
    to,
    subject: translateForPage(locale, 'mail.org.paid_subject', params),
    text: template(ctx, 'org-order-paid.text', brand)(view),
    html: template(ctx, 'org-order-paid.html', brand)(view),
  };
}

/** beneficiary_voucher: one voucher offered by the organisation, with its PDF. */
export async function renderBeneficiaryVoucher(ctx: MessageContext, p: { voucherId: string }, to: string): Promise<OutgoingMail> {
  const voucher = await readsOf(ctx).voucher(p.voucherId);
  if (!voucher || !voucher.orderId) throw new Error(`voucher ${p.voucherId} not found`);
  const { order, campaign, organisationName, brand } = await loadOrder(ctx, voucher.orderId);
  const locale = order.locale;
  const code = formatCode(voucher.code);
  const event = order.giftEvent ? translateForPage(locale, `gift_event.${order.giftEvent}`) : '';
  const params = { name: voucher.recipientName ?? '', organisation: organisationName, campaign: campaign.name, amount: formatMoney(voucher.amountCents, locale), expires: formatLongDate(voucher.expiresAt, locale), event };
  const view = {
    t: texts(locale, [voucher.recipientName ? 'mail.hello' : 'mail.org.hello_anonymous', 'mail.org.gift_intro', 'mail.org.gift_event', 'mail.org.gift_message', 'mail.org.gift_expires', 'mail.voucher_line', 'mail.org.gift_pdf', 'mail.multi_purpose', 'mail.thanks', 'mail.demo'], params),
    demo: ctx.demo,
    campaign: campaign.name,
    operator: campaign.operatorName,
    amount: params.amount,
    code,
    url: `${ctx.baseUrl}/v/${code}`,
    event: event || null,
    message: voucher.message,
  };
  view.t.hello = view.t.hello ?? view.t.hello_anonymous!;
  const extras = await mailPdfExtrasOf(ctx, campaign);
  const pdf = await toBuffer((out) => streamVoucherPdf(out, [voucher], { baseUrl: ctx.baseUrl, locale, campaignName: campaign.name, operatorName: campaign.operatorName, demo: ctx.demo, ...extras }));
  return {
    to,
    subject: translateForPage(locale, 'mail.org.gift_subject', params),
    text: template(ctx, 'beneficiary-voucher.text', brand)(view),
    html: template(ctx, 'beneficiary-voucher.html', brand)(view),
    attachments: [{ filename: `bon-${voucher.code.slice(0, 4)}.pdf`, content: pdf, contentType: 'application/pdf' }],
  };
}

/** org_page_link: a fresh link to the organisation's page, asked for with the link form. */
export async function renderOrgPageLink(ctx: MessageContext, p: { organisationId: string; pageToken: string; locale: string }, to: string): Promise<OutgoingMail> {
  const org = await readsOf(ctx).organisation(p.organisationId);
  if (!org) throw new Error(`organisation ${p.organisationId} not found`);
  const params = { name: org.contactName, organisation: org.name, link: organisationPageUrl(ctx.baseUrl, org, p.pageToken) };
  return plainMail(to, translateForPage(p.locale, 'mail.org.page_link_subject', params), translateForPage(p.locale, 'mail.org.page_link_body', params));
}

/**
 * org_order_confirm: an order placed with the SIRET and email of an existing organisation
 * asks its contact to confirm it. Only our words, the reference, the amount, the count and
 * the SIRET: whoever placed it cannot make us carry their text to the contact.
 */
export async function renderOrgOrderConfirm(ctx: MessageContext, p: { orderId: string; confirmToken: string }, to: string): Promise<OutgoingMail> {
  const { order, campaign } = await loadOrder(ctx, p.orderId);
  const count = await readsOf(ctx).orderedVoucherCount(order.id);
  const link = `${ctx.baseUrl}/organisation/${order.organisationId}/confirmer/${order.id}?token=${p.confirmToken}`;
  const params = { reference: order.reference, campaign: campaign.name, count, total: formatMoney(order.totalCents, order.locale), siret: order.siret ?? '', link };
  return plainMail(to, translateForPage(order.locale, 'mail.org.confirm_subject', params), translateForPage(order.locale, 'mail.org.confirm_body', params));
}
