import type { Campaign } from '../../domain/campaigns/campaign';
import type { Order, OrderItem } from '../../domain/orders/orders-repository';
import { formatMoneyShort } from '../../lib/money';
import { campaignView } from '../presenters';
import { MAX_FORM_LINES, type FormLine } from './schemas';

interface Locals {
  locale: string;
  t: (key: string, params?: Record<string, string | number>) => string;
}

/** Ready-made view model: the template only loops and tests flags. */
export function orderFormView(
  campaign: Campaign,
  locals: Locals,
  now: Date,
  values?: { buyerName: string; buyerEmail: string; lines: FormLine[] },
  errors: Record<string, string> = {},
  formError?: string,
) {
  const lines =
    values?.lines ??
    Array.from({ length: MAX_FORM_LINES }, (_, index) => ({ index, amount: index === 0 ? defaultAmount(campaign) : '', custom: '', quantity: '1', recipientName: '', message: '' }));
  const err = (name: string) => (errors[name] ? locals.t(errors[name]!, { min: formatMoneyShort(campaign.minAmountCents, locals.locale), max: formatMoneyShort(campaign.maxAmountCents, locals.locale) }) : null);
  const rangeError = locals.t('errors.amount_range', { min: formatMoneyShort(campaign.minAmountCents, locals.locale), max: formatMoneyShort(campaign.maxAmountCents, locals.locale) });
  const options = (selected: string) => [
    ...campaign.denominationsCents.map((c) => ({ value: (c / 100).toFixed(2), label: formatMoneyShort(c, locals.locale), selected: normalise(selected) === c })),
    { value: 'other', label: locals.t('order_form.other_amount'), selected: selected === 'other' },
  ];
  const fieldErrors = Object.keys(errors).length;
  return {
    title: locals.t('order_form.title', { campaign: campaign.name }),
    campaign: campaignView(campaign, locals.locale, now),
    buyerName: values?.buyerName ?? '',
    buyerEmail: values?.buyerEmail ?? '',
    buyerNameError: err('buyerName'),
    buyerEmailError: err('buyerEmail'),
    formError,
    errorCount: fieldErrors,
    freeRange: locals.t('order_form.free_range', { min: formatMoneyShort(campaign.minAmountCents, locals.locale), max: formatMoneyShort(campaign.maxAmountCents, locals.locale) }),
    // The free amount's bounds as the number field's min/max (euros, dot decimal as HTML wants).
    // What app.js shows at once when a free amount leaves the range (the server's own message).
    rangeError,
    customMin: (campaign.minAmountCents / 100).toFixed(2),
    customMax: (campaign.maxAmountCents / 100).toFixed(2),
    limits: locals.t('order_form.limits', { count: campaign.maxVouchersPerOrder, max: formatMoneyShort(campaign.maxOrderCentsIndividual, locals.locale) }),
    lines: lines.map((l) => ({
      ...l,
      number: l.index + 1,
      first: l.index === 0,
      used: l.index === 0 || l.amount !== '',
      isOther: l.amount === 'other',
      options: options(l.amount),
      amountError: err(`amount_${l.index}`),
      customError: err(`custom_${l.index}`),
      qtyError: err(`qty_${l.index}`),
      recipientError: err(`recipient_${l.index}`),
      messageError: err(`message_${l.index}`),
    })),
  };
}

function normalise(v: string): number | null {
  const m = /^(\d+)(?:\.(\d{2}))?$/.exec(v);
  return m ? Number(m[1]) * 100 + Number(m[2] ?? 0) : null;
}

/** The middle denomination is preselected: the most common choice. */
function defaultAmount(c: Campaign): string {
  const d = c.denominationsCents[Math.floor((c.denominationsCents.length - 1) / 2)];
  return d === undefined ? 'other' : (d / 100).toFixed(2);
}

/**
 * The form's values from an earlier order of the same buyer (« Recommencer » after a refused
 * or abandoned payment): the same buyer and lines, so nothing has to be typed again. The
 * sponsor's bonus line is not the buyer's choice and is left out.
 */
export function basketFromOrder(c: Campaign, order: Order, items: OrderItem[]): { buyerName: string; buyerEmail: string; lines: FormLine[] } {
  const chosen = items.filter((i) => !i.bonus).slice(0, MAX_FORM_LINES);
  const lines = Array.from({ length: MAX_FORM_LINES }, (_, index): FormLine => {
    const item = chosen[index];
    if (!item) return { index, amount: '', custom: '', quantity: '1', recipientName: '', message: '' };
    const euros = (item.amountCents / 100).toFixed(2);
    const listed = c.denominationsCents.includes(item.amountCents);
    return { index, amount: listed ? euros : 'other', custom: listed ? '' : euros, quantity: String(item.quantity), recipientName: item.recipientName ?? '', message: item.message ?? '' };
  });
  return { buyerName: order.buyerName, buyerEmail: order.buyerEmail, lines };
}
