/**
 * Money is integer cents, always. A branded type keeps raw numbers from sneaking in.
 * Parsing is exact string arithmetic: no float ever touches an amount.
 */
export type Cents = number & { readonly __brand: 'Cents' };

export const MAX_CENTS = 100_000_000_00; // 100 M€: far above any order, far below 2^53.

export function cents(n: number): Cents {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer amount of cents: ${n}`);
  return n as Cents;
}

// Accepts "12", "12,5", "12.50", "1 234,50 €", "1234,50€", "€ 12". Thousands separators are
// spaces (incl. narrow no-break spaces, as Intl prints them); at most two decimals.
const AMOUNT = /^(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,](\d{1,2}))?$/;

/** Parses a user-typed euro amount into cents, or returns null when it is not one. */
export function parseEuroAmount(input: string): Cents | null {
  const trimmed = input.trim().replace(/^€\s*/, '').replace(/\s*(€|eur|euros?)$/i, '').trim();
  const m = AMOUNT.exec(trimmed);
  if (!m) return null;
  const whole = m[1]!.replace(/[ \u00a0\u202f]/g, '');
  const frac = (m[2] ?? '').padEnd(2, '0');
  if (whole.length > 12) return null;
  const value = Number(whole) * 100 + Number(frac);
  return value <= MAX_CENTS ? cents(value) : null;
}

// Building an Intl.NumberFormat costs ~20 µs: each is built once per locale and style.
const formatters = new Map<string, Intl.NumberFormat>();
function formatter(locale: string, whole: boolean): Intl.NumberFormat {
  const key = `${locale}|${whole}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale === 'en' ? 'en-GB' : 'fr-FR', { style: 'currency', currency: 'EUR', ...(whole ? { maximumFractionDigits: 0 } : {}) });
    formatters.set(key, f);
  }
  return f;
}

/**
 * "1 234,50 €" in French, "€1,234.50" in English. Formatting happens only at the edge;
 * amount / 100 of a safe integer prints exactly to the cent.
 */
export function formatMoney(amount: number, locale = 'fr'): string {
  return formatter(locale, false).format(amount / 100);
}

/**
 * 123456 cents → "1234.56" (or "1234,56"): a plain decimal for files (CSV, XML), no
 * thousands separator, no currency. Exact string arithmetic on the integer, never a float.
 */
export function decimalAmount(amount: number, separator: '.' | ','): string {
  const abs = Math.abs(amount);
  return `${amount < 0 ? '-' : ''}${Math.floor(abs / 100)}${separator}${String(abs % 100).padStart(2, '0')}`;
}

/** "50 €" for whole euros, else like formatMoney: for denominations and headlines. */
export function formatMoneyShort(amount: number, locale = 'fr'): string {
  return amount % 100 === 0 ? formatter(locale, true).format(amount / 100) : formatMoney(amount, locale);
}

/** a / b rounded half away from zero, for safe integers a and b > 0; integer arithmetic only. */
export function divideRounded(a: number, b: number): number {
  if (!Number.isSafeInteger(a)) throw new RangeError(`amount out of range: ${a}`);
  const n = Math.abs(a);
  let q = Math.floor(n / b);
  // The float quotient can be one off for large n: the exact remainder settles it.
  let r = n - q * b;
  if (r < 0) (q -= 1), (r += b);
  if (r >= b) (q += 1), (r -= b);
  if (2 * r >= b) q += 1;
  return a < 0 ? -q : q;
}

/**
 * Basis points of an amount, rounded half away from zero to the cent (half-up for the
 * amounts ≥ 0 it is given: prices, fees, commissions).
 */
export function percentOf(amount: Cents, basisPoints: number): Cents {
  return cents(divideRounded(amount * basisPoints, 10_000));
}
