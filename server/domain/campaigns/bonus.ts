/**
 * The sponsor bonus (« abondement »): pure rules, no database. The order service reads the
 * campaign and the buyer's earlier bonuses inside its BEGIN IMMEDIATE transaction and asks
 * `bonusFor` how much this order gets, so concurrent orders see each other's reservations.
 *
 * Rounding: a percentage is applied to the face value bought with `percentOf` (basis
 * points, half-up to the cent: 20 % of 12,33 € = 2,466 € → 2,47 €). The result is then
 * clipped, never rounded again: min(rule amount, what the buyer's cap leaves, what the
 * budget leaves), never negative, always an integer number of cents.
 */
import { cents, percentOf } from '../../lib/money';
import type { Campaign } from './campaign';

export type BonusKind = 'none' | 'percent' | 'fixed';

export type BonusRule = Pick<
  Campaign,
  'bonusKind' | 'bonusBps' | 'bonusFixedCents' | 'bonusCapPerBuyerCents' | 'bonusBudgetCents' | 'bonusReservedCents' | 'bonusUsedCents'
>;

/** What the rule alone gives for this face value, before any cap or budget. */
export function ruleAmount(rule: Pick<BonusRule, 'bonusKind' | 'bonusBps' | 'bonusFixedCents'>, faceValueCents: number): number {
  if (faceValueCents <= 0) return 0;
  switch (rule.bonusKind) {
    case 'percent':
      return rule.bonusBps > 0 ? percentOf(cents(faceValueCents), rule.bonusBps) : 0;
    case 'fixed':
      return Math.max(0, rule.bonusFixedCents);
    default:
      return 0;
  }
}

/** Budget not yet reserved nor used (0 once exhausted, never negative). */
export function budgetLeft(rule: Pick<BonusRule, 'bonusBudgetCents' | 'bonusReservedCents' | 'bonusUsedCents'>): number {
  return Math.max(0, rule.bonusBudgetCents - rule.bonusReservedCents - rule.bonusUsedCents);
}

/** What the per-buyer cap still allows this buyer (Infinity when there is no cap). */
export function capLeft(rule: Pick<BonusRule, 'bonusCapPerBuyerCents'>, buyerGrantedCents: number): number {
  return rule.bonusCapPerBuyerCents === null ? Infinity : Math.max(0, rule.bonusCapPerBuyerCents - buyerGrantedCents);
}

/**
 * The bonus for one order: `buyerGrantedCents` is what the same buyer (email, lower-case)
 * already holds on the campaign's non-cancelled orders.
 */
export function bonusFor(rule: BonusRule, faceValueCents: number, buyerGrantedCents: number): number {
  if (rule.bonusKind === 'none') return 0;
  return Math.max(0, Math.min(ruleAmount(rule, faceValueCents), capLeft(rule, buyerGrantedCents), budgetLeft(rule)));
}

/** Whether the campaign advertises a bonus at all (a kind and a budget). */
export const hasBonus = (rule: Pick<BonusRule, 'bonusKind' | 'bonusBudgetCents'>) => rule.bonusKind !== 'none' && rule.bonusBudgetCents > 0;

/** Buyers are recognised by email, compared lower-case and trimmed. */
export const normaliseBuyerEmail = (email: string) => email.trim().toLowerCase();
