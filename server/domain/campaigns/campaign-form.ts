import { SHOP_CATEGORIES } from '../merchants/onboarding-form';
import { parseEuroAmount } from '../../lib/money';
import { isCalendarDate } from '../../lib/calendar-date';
import { addDays, parisDate, startOfParisDay } from '../../lib/paris-time';
import { CARD_MAX_CENTS } from '../orders/card-payment';
import { MAX_ORDER_VOUCHERS, type Campaign } from './campaign';

/**
 * The operator's campaign form: posted strings in, a validated CampaignInput (cents, basis
 * points, UTC instants) or per-field message keys out. Pure: no database, no clock.
 * Rules that need the stored campaign (what may change once vouchers are sold, the bonus
 * budget against what is already reserved) live in campaign-admin-service.ts.
 */
export const CAMPAIGN_TEXT_FIELDS = [
  'name', 'description', 'operatorName', 'sponsorName', 'target', 'denominations', 'minAmount', 'maxAmount', 'validityDays',
  'maxVouchersPerOrder', 'maxOrderIndividual', 'maxVouchersPerOrgOrder', 'maxOrderOrg', 'orgFee', 'commission', 'breakageRule',
  'categoriesMode', 'bonusKind', 'bonusPercent', 'bonusFixed', 'bonusCapPerBuyer', 'bonusBudget', 'startsOn', 'lastDay',
] as const;
export type CampaignField = (typeof CAMPAIGN_TEXT_FIELDS)[number];
export type CampaignFormValues = Record<CampaignField, string> & { categories: string[] };

export const BREAKAGE_RULES = ['operator', 'sponsor', 'merchants'] as const;
export const BONUS_KINDS = ['none', 'percent', 'fixed'] as const;

export interface CampaignInput {
  name: string;
  description: string;
  operatorName: string;
  sponsorName: string | null;
  targetCents: number;
  denominationsCents: number[];
  minAmountCents: number;
  maxAmountCents: number;
  validityDays: number;
  maxVouchersPerOrder: number;
  maxOrderCentsIndividual: number;
  maxVouchersPerOrgOrder: number;
  maxOrderCentsOrg: number;
  orgFeeBps: number;
  commissionBps: number;
  breakageRule: (typeof BREAKAGE_RULES)[number];
  /** null = every shop category may accept the campaign. */
  acceptedCategories: string[] | null;
  bonusKind: (typeof BONUS_KINDS)[number];
  bonusBps: number;
  bonusFixedCents: number;
  bonusCapPerBuyerCents: number | null;
  bonusBudgetCents: number;
  startsAt: string;
  endsAt: string | null;
}

export type CampaignFormResult = { input: CampaignInput; values: CampaignFormValues; errors: Record<string, string> } | { input: null; values: CampaignFormValues; errors: Record<string, string> };

const LIMITS: Partial<Record<CampaignField, number>> = { name: 120, description: 4000, operatorName: 120, sponsorName: 120, denominations: 200 };
const MAX_DENOMINATIONS = 12;

/** Posted fields (urlencoded object or multipart lists) as trimmed strings; repeated `categories` kept. */
export function campaignValues(body: Record<string, unknown> | Map<string, string[]>): CampaignFormValues {
  const get = (k: string): unknown => (body instanceof Map ? body.get(k) : body[k]);
  const one = (k: string) => {
    const v = get(k);
    const s = Array.isArray(v) ? v[0] : v;
    return typeof s === 'string' ? s.trim() : '';
  };
  const values = { ...Object.fromEntries(CAMPAIGN_TEXT_FIELDS.map((k) => [k, one(k)])), categories: [] } as unknown as CampaignFormValues;
  const cats = get('categories');
  values.categories = (Array.isArray(cats) ? cats : [cats]).filter((c): c is string => typeof c === 'string');
  return values;
}

/** The stored campaign as the form shows it (euros with a decimal comma, percents, Paris days). */
export function campaignToValues(c: Campaign): CampaignFormValues {
  const euros = (n: number | null) => (n === null ? '' : n % 100 === 0 ? String(n / 100) : `${Math.floor(n / 100)},${String(n % 100).padStart(2, '0')}`);
  const accepted = c.acceptedCategories ? (JSON.parse(c.acceptedCategories) as string[]) : null;
  return {
    name: c.name, description: c.description, operatorName: c.operatorName, sponsorName: c.sponsorName ?? '',
    target: euros(c.targetCents), denominations: c.denominationsCents.map(euros).join('; '),
    minAmount: euros(c.minAmountCents), maxAmount: euros(c.maxAmountCents), validityDays: String(c.validityDays),
    maxVouchersPerOrder: String(c.maxVouchersPerOrder), maxOrderIndividual: euros(c.maxOrderCentsIndividual),
    maxVouchersPerOrgOrder: String(c.maxVouchersPerOrgOrder), maxOrderOrg: euros(c.maxOrderCentsOrg),
    // Basis points print like cents: 250 bps → « 2,5 ».
    orgFee: euros(c.orgFeeBps).replace(/,(\d)0$/, ',$1'), commission: euros(c.commissionBps).replace(/,(\d)0$/, ',$1'),
    breakageRule: c.breakageRule, categoriesMode: accepted ? 'some' : 'all', categories: accepted ?? [],
    bonusKind: c.bonusKind, bonusPercent: c.bonusKind === 'percent' ? euros(c.bonusBps).replace(/,(\d)0$/, ',$1') : '',
    bonusFixed: c.bonusKind === 'fixed' ? euros(c.bonusFixedCents) : '', bonusCapPerBuyer: euros(c.bonusCapPerBuyerCents),
    bonusBudget: c.bonusKind === 'none' ? '' : euros(c.bonusBudgetCents),
    startsOn: parisDate(new Date(c.startsAt)),
    // ends_at is the first instant off sale (midnight after the last day): show that last day.
    lastDay: c.endsAt ? parisDate(new Date(new Date(c.endsAt).getTime() - 1)) : '',
  };
}

/**
 * « 10, 20, 50 » or « 10; 20; 50 » or « 10 20 50 » euros. A comma directly between digits
 * is a decimal comma (« 12,50 »), so « 10,20,50 » is refused rather than guessed.
 */
export function parseDenominations(s: string): number[] | null {
  if (!s) return [];
  const parts = s.split(/\s*;\s*|,\s+|\s+/).filter(Boolean);
  const out: number[] = [];
  for (const p of parts) {
    const c = parseEuroAmount(p);
    if (c === null || c <= 0) return null;
    out.push(c);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** « 3 », « 2,5 % », « 0.75 » percent → basis points (the same exact string arithmetic as euros). */
export function parsePercentBps(s: string): number | null {
  const bps = parseEuroAmount(s.replace(/\s*%$/, ''));
  return bps === null ? null : bps;
}

function integer(s: string, min: number, max: number): number | null {
  if (!/^\d{1,9}$/.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
}

/** A real calendar day in 2000–2100 (the one strict reader; 9999-12-31 + 1 day would not compute). */
const validDay = isCalendarDate;

export function parseCampaignForm(values: CampaignFormValues): CampaignFormResult {
  const errors: Record<string, string> = {};
  const v = values;
  for (const [k, max] of Object.entries(LIMITS)) if (v[k as CampaignField].length > max!) errors[k] = 'cadmin.errors.too_long';
  const required = (k: CampaignField) => {
    if (!v[k] && !errors[k]) errors[k] = 'cadmin.errors.required';
    return v[k];
  };
  const money = (k: CampaignField, opts: { optional?: boolean; allowZero?: boolean } = {}): number | null => {
    if (!v[k]) {
      if (!opts.optional) errors[k] ??= 'cadmin.errors.required';
      return null;
    }
    const c = parseEuroAmount(v[k]);
    if (c === null || (c === 0 && !opts.allowZero)) {
      errors[k] = 'cadmin.errors.amount';
      return null;
    }
    return c;
  };
  const int = (k: CampaignField, min: number, max: number) => {
    const n = integer(v[k], min, max);
    if (n === null) errors[k] = v[k] ? 'cadmin.errors.integer' : 'cadmin.errors.required';
    return n ?? 0;
  };
  const percent = (k: CampaignField, maxBps: number) => {
    const bps = v[k] ? parsePercentBps(v[k]) : 0;
    if (bps === null || bps > maxBps) errors[k] = 'cadmin.errors.percent';
    return bps ?? 0;
  };

  const name = required('name');
  const operatorName = required('operatorName');
  const targetCents = money('target') ?? 0;
  const denominationsCents = parseDenominations(v.denominations);
  if (denominationsCents === null) errors.denominations = 'cadmin.errors.denominations';
  else if (denominationsCents.length > MAX_DENOMINATIONS) errors.denominations = 'cadmin.errors.denominations_count';
  const minAmountCents = money('minAmount') ?? 0;
  const maxAmountCents = money('maxAmount') ?? 0;
  if (minAmountCents && maxAmountCents && minAmountCents > maxAmountCents) errors.maxAmount = 'cadmin.errors.min_over_max';
  const validityDays = int('validityDays', 1, 3650);
  const maxVouchersPerOrder = int('maxVouchersPerOrder', 1, 1000);
  const maxOrderCentsIndividual = money('maxOrderIndividual') ?? 0;
  const maxVouchersPerOrgOrder = int('maxVouchersPerOrgOrder', 1, MAX_ORDER_VOUCHERS);
  const maxOrderCentsOrg = money('maxOrderOrg') ?? 0;
  // The cheapest voucher must fit in an individual's order, or nobody could buy one by card.
  const cheapest = Math.min(...(denominationsCents ?? []), minAmountCents || Infinity);
  if (maxOrderCentsIndividual && Number.isFinite(cheapest) && cheapest > maxOrderCentsIndividual) errors.maxOrderIndividual = 'cadmin.errors.order_below_voucher';
  // Individuals pay by card only: a ceiling above one card payment would promise what cannot be paid.
  if (maxOrderCentsIndividual > CARD_MAX_CENTS) errors.maxOrderIndividual = 'cadmin.errors.over_card_max';
  // Half the value as commission or fee is already far beyond any real programme: a typo guard.
  const orgFeeBps = percent('orgFee', 5000);
  const commissionBps = percent('commission', 5000);

  const breakageRule = (BREAKAGE_RULES as readonly string[]).includes(v.breakageRule) ? (v.breakageRule as CampaignInput['breakageRule']) : null;
  if (!breakageRule) errors.breakageRule = 'cadmin.errors.choice';
  if (breakageRule === 'sponsor' && !v.sponsorName) errors.sponsorName = 'cadmin.errors.sponsor_needed';

  let acceptedCategories: string[] | null = null;
  if (v.categoriesMode === 'some') {
    const known = v.categories.filter((c) => (SHOP_CATEGORIES as readonly string[]).includes(c));
    if (known.length !== v.categories.length || known.length === 0) errors.categories = 'cadmin.errors.categories';
    // Kept in the order of the official list, so the stored JSON does not depend on the form.
    acceptedCategories = SHOP_CATEGORIES.filter((c) => known.includes(c));
  } else if (v.categoriesMode !== 'all' && v.categoriesMode !== '') errors.categories = 'cadmin.errors.choice';

  const bonusKind = (BONUS_KINDS as readonly string[]).includes(v.bonusKind || 'none') ? ((v.bonusKind || 'none') as CampaignInput['bonusKind']) : null;
  if (!bonusKind) errors.bonusKind = 'cadmin.errors.choice';
  let bonusBps = 0;
  let bonusFixedCents = 0;
  let bonusCapPerBuyerCents: number | null = null;
  let bonusBudgetCents = 0;
  if (bonusKind === 'percent') {
    bonusBps = percent('bonusPercent', 10_000);
    if (!bonusBps) errors.bonusPercent ??= 'cadmin.errors.required';
  }
  if (bonusKind === 'fixed') bonusFixedCents = money('bonusFixed') ?? 0;
  if (bonusKind === 'percent' || bonusKind === 'fixed') {
    bonusCapPerBuyerCents = money('bonusCapPerBuyer', { optional: true });
    bonusBudgetCents = money('bonusBudget') ?? 0;
  }

  let startsAt = '';
  if (!validDay(v.startsOn)) errors.startsOn = v.startsOn ? 'cadmin.errors.date' : 'cadmin.errors.required';
  else startsAt = startOfParisDay(v.startsOn).toISOString();
  let endsAt: string | null = null;
  if (v.lastDay) {
    if (!validDay(v.lastDay)) errors.lastDay = 'cadmin.errors.date';
    else if (startsAt && v.lastDay < v.startsOn) errors.lastDay = 'cadmin.errors.ends_before_start';
    // Off sale from the first instant of the next Paris day (isOnSale: now < endsAt).
    else endsAt = startOfParisDay(addDays(v.lastDay, 1)).toISOString();
  }

  if (Object.keys(errors).length) return { input: null, values, errors };
  return {
    values,
    errors,
    input: {
      name, description: v.description.replace(/\r\n/g, '\n'), operatorName, sponsorName: v.sponsorName || null, targetCents,
      denominationsCents: denominationsCents!, minAmountCents, maxAmountCents, validityDays, maxVouchersPerOrder, maxOrderCentsIndividual,
      maxVouchersPerOrgOrder, maxOrderCentsOrg, orgFeeBps, commissionBps, breakageRule: breakageRule!, acceptedCategories,
      bonusKind: bonusKind!, bonusBps, bonusFixedCents, bonusCapPerBuyerCents, bonusBudgetCents, startsAt, endsAt,
    },
  };
}

/** Empty form for a new campaign: sensible defaults the operator mostly keeps. */
export function newCampaignValues(today: string): CampaignFormValues {
  return {
    name: '', description: '', operatorName: '', sponsorName: '', target: '', denominations: '10; 20; 50', minAmount: '10', maxAmount: '150',
    validityDays: '365', maxVouchersPerOrder: '50', maxOrderIndividual: '1500', maxVouchersPerOrgOrder: '10000', maxOrderOrg: '500000',
    orgFee: '0', commission: '3', breakageRule: 'operator', categoriesMode: 'all', categories: [], bonusKind: 'none', bonusPercent: '',
    bonusFixed: '', bonusCapPerBuyer: '', bonusBudget: '', startsOn: today, lastDay: '',
  };
}

export type ImageCheck = { ok: true; ext: 'png' | 'jpg' } | { ok: false; reason: 'too_large' | 'not_image' };
export const IMAGE_MAX_BYTES = 2 * 1024 * 1024;

/** PNG or JPEG by their magic bytes (the file name and declared type are the sender's word only). */
export function checkImage(bytes: Buffer): ImageCheck {
  if (bytes.length > IMAGE_MAX_BYTES) return { ok: false, reason: 'too_large' };
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return { ok: true, ext: 'png' };
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { ok: true, ext: 'jpg' };
  return { ok: false, reason: 'not_image' };
}
