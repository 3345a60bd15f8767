/**
 * The sponsor bonus as the public pages and the API show it: the offer (« +20 % offert par
 * la Ville »), the per-buyer cap, what is left of the budget, and « budget épuisé » once
 * nothing is left (counting reservations of unpaid orders, so the page never promises
 * what the next order cannot get).
 */
import { budgetLeft, hasBonus, type BonusRule } from '../domain/campaigns/bonus';
import type { Campaign } from '../domain/campaigns/campaign';
import { translateForPage } from '../lib/i18n';
import { formatMoney, formatMoneyShort } from '../lib/money';

type BonusCampaign = BonusRule & Pick<Campaign, 'sponsorName' | 'soldCents'>;

/** « 20 » or « 12,5 » (fr) / « 12.5 » (en) from basis points. */
const rate = (bps: number, locale: string) => new Intl.NumberFormat(locale === 'en' ? 'en-GB' : 'fr-FR', { maximumFractionDigits: 2 }).format(bps / 100);

export function bonusView(c: BonusCampaign, locale: string) {
  if (!hasBonus(c)) return null;
  const sponsor = c.sponsorName ?? translateForPage(locale, 'bonus.sponsor_default');
  const left = budgetLeft(c);
  const offer =
    c.bonusKind === 'percent'
      ? translateForPage(locale, 'bonus.offer_percent', { rate: rate(c.bonusBps, locale), sponsor })
      : translateForPage(locale, 'bonus.offer_fixed', { amount: formatMoneyShort(c.bonusFixedCents, locale), sponsor });
  return {
    offer,
    sponsor,
    cap: c.bonusCapPerBuyerCents === null ? null : translateForPage(locale, 'bonus.cap', { cap: formatMoneyShort(c.bonusCapPerBuyerCents, locale) }),
    remaining: left > 0 ? translateForPage(locale, 'bonus.remaining', { amount: formatMoney(left, locale) }) : null,
    exhausted: left === 0,
    exhaustedText: translateForPage(locale, 'bonus.exhausted_text', { sponsor }),
    // Progress: what buyers paid for and what the sponsor added (both part of « sold »).
    paidCents: c.soldCents - c.bonusUsedCents,
    bonusCents: c.bonusUsedCents,
    bonusLabel: translateForPage(locale, 'bonus.progress_bonus', { sponsor }),
  };
}

/** The API's `bonus` object (added to GET /api/v1/campaigns/{slug}; null without a bonus). */
export function bonusJson(c: BonusCampaign) {
  if (!hasBonus(c)) return null;
  return {
    kind: c.bonusKind,
    rateBps: c.bonusKind === 'percent' ? c.bonusBps : null,
    fixedCents: c.bonusKind === 'fixed' ? c.bonusFixedCents : null,
    capPerBuyerCents: c.bonusCapPerBuyerCents,
    sponsorName: c.sponsorName,
    budgetCents: c.bonusBudgetCents,
    remainingCents: budgetLeft(c),
    usedCents: c.bonusUsedCents,
    exhausted: budgetLeft(c) === 0,
    buyerPaidCents: c.soldCents - c.bonusUsedCents,
  };
}
