import type { Campaign } from '../domain/campaigns/campaign';
import { isOnSale, progress } from '../domain/campaigns/campaign';
import type { CampaignMerchant } from '../domain/campaigns/campaigns-repository';
import { effectiveStatus, type Voucher } from '../domain/vouchers/voucher';
import { formatCode } from '../lib/codes';
import { translateForPage } from '../lib/i18n';
import { formatLongDate } from '../lib/dates';
import { bonusJson, bonusView } from './bonus-view';

export const formatDate = formatLongDate;

/** Campaign data as the API contract names it. */
export function campaignSummaryJson(c: Campaign) {
  return { slug: c.slug, name: c.name, status: c.status, targetCents: c.targetCents, soldCents: c.soldCents, redeemedCents: c.redeemedCents, currency: c.currency };
}

export function campaignDetailJson(c: Campaign) {
  return {
    ...campaignSummaryJson(c),
    description: c.description,
    denominationsCents: c.denominationsCents,
    minAmountCents: c.minAmountCents,
    maxAmountCents: c.maxAmountCents,
    validityDays: c.validityDays,
    maxVouchersPerOrder: c.maxVouchersPerOrder,
    maxOrderCentsIndividual: c.maxOrderCentsIndividual,
    // Organisations' own ceilings, enforced on every order (API clients check before sending).
    maxVouchersPerOrgOrder: c.maxVouchersPerOrgOrder,
    maxOrderCentsOrg: c.maxOrderCentsOrg,
    startsAt: c.startsAt,
    endsAt: c.endsAt,
    bonus: bonusJson(c),
  };
}

export function campaignView(c: Campaign, locale: string, now: Date) {
  const p = progress(c);
  return {
    ...c,
    ...p,
    paragraphs: c.description.split(/\n{2,}/).filter(Boolean),
    onSale: isOnSale(c, now),
    endsOn: c.endsAt ? formatDate(c.endsAt, locale) : null,
    validityMonths: Math.round(c.validityDays / 30.4),
    bonus: bonusView(c, locale),
    // Served by /media/campagnes/:file (server/web/media/routes.ts); image_path is 'campaigns/<file>'.
    imageUrl: c.imagePath ? `/media/campagnes/${c.imagePath.slice(c.imagePath.lastIndexOf('/') + 1)}` : null,
  };
}

export function merchantsView(list: CampaignMerchant[]) {
  const towns = [...new Set(list.map((m) => m.city))].sort((a, b) => a.localeCompare(b, 'fr'));
  return {
    count: list.length,
    towns: towns.map((city) => ({ city, merchants: list.filter((m) => m.city === city) })),
    categories: [...new Set(list.map((m) => m.category))].length,
  };
}

export function voucherView(v: Voucher, locale: string, now: Date, baseUrl: string) {
  const status = effectiveStatus(v, now);
  return {
    code: formatCode(v.code),
    rawCode: v.code,
    url: `${baseUrl}/v/${v.code}`,
    amountCents: v.amountCents,
    balanceCents: v.balanceCents,
    status,
    statusLabel: translateForPage(locale, `voucher.status.${status}`),
    usable: status === 'active',
    partlyUsed: v.balanceCents < v.amountCents,
    expiresOn: formatDate(v.expiresAt, locale),
    recipientName: v.recipientName,
    message: v.message,
  };
}

export function voucherJson(v: Voucher, now: Date, baseUrl: string) {
  return {
    code: formatCode(v.code),
    amountCents: v.amountCents,
    balanceCents: v.balanceCents,
    status: effectiveStatus(v, now),
    expiresAt: v.expiresAt,
    url: `${baseUrl}/v/${formatCode(v.code)}`,
  };
}
