import { eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { settings } from '../../../db/schema/index';

/**
 * URSSAF tolerance for gift vouchers from an employer or works council: no social charges
 * while the vouchers given to one employee in a calendar year stay within 5 % of the
 * monthly social security ceiling (PMSS), or when they are tied to one of these events
 * (one ceiling per event). The ceiling is a setting per year (`settings` row
 * `employer_gift_ceiling_cents:YEAR`), with the published values as defaults.
 */
export const GIFT_EVENTS = ['noel', 'rentree', 'naissance', 'mariage_pacs', 'retraite', 'fete_meres', 'fete_peres', 'sainte_catherine'] as const;
export type GiftEvent = (typeof GIFT_EVENTS)[number];
export const isGiftEvent = (x: unknown): x is GiftEvent => typeof x === 'string' && (GIFT_EVENTS as readonly string[]).includes(x);

/** 5 % of the PMSS: 3 925 € in 2025 → 196 €; 4 005 € in 2026 → 200 € (rounded as URSSAF publishes it). */
const PUBLISHED: Record<number, number> = { 2025: 196_00, 2026: 200_00 };

export const ceilingSettingKey = (year: number) => `employer_gift_ceiling_cents:${year}`;

export function employerCeilingCents(tx: Tx, year: number): number {
  const row = tx.select().from(settings).where(eq(settings.key, ceilingSettingKey(year))).get();
  return employerCeilingOf(row?.value, year);
}

/** The ceiling of a year from its setting's value as stored (absent or not a number: the published default). */
export function employerCeilingOf(setting: string | undefined, year: number): number {
  if (setting !== undefined && /^\d+$/.test(setting)) return Number(setting);
  if (PUBLISHED[year]) return PUBLISHED[year]!;
  // A year not yet published: the latest known value until the operator sets it.
  const known = Object.keys(PUBLISHED).map(Number).filter((y) => y <= year);
  return PUBLISHED[known.length ? Math.max(...known) : Math.min(...Object.keys(PUBLISHED).map(Number))]!;
}

export interface GiftLine {
  amountCents: number;
  quantity: number;
  recipientName?: string | null;
  recipientEmail?: string | null;
}

/**
 * The largest value one employee receives in this order: named lines are summed per
 * beneficiary (name + email); anonymous lines count one voucher per employee.
 */
export function largestGiftPerEmployee(lines: GiftLine[]): number {
  const perPerson = new Map<string, number>();
  let largest = 0;
  for (const l of lines) {
    if (!l.recipientName && !l.recipientEmail) {
      largest = Math.max(largest, l.amountCents);
      continue;
    }
    const who = `${(l.recipientName ?? '').trim().toLowerCase()}|${(l.recipientEmail ?? '').trim().toLowerCase()}`;
    const sum = (perPerson.get(who) ?? 0) + l.amountCents * l.quantity;
    perPerson.set(who, sum);
    largest = Math.max(largest, sum);
  }
  return largest;
}
