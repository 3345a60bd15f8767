import { randomBytes } from 'node:crypto';

/**
 * Voucher codes: 19 random symbols + 1 check symbol, shown as XXXX-XXXX-XXXX-XXXX-XXXX.
 *
 * The alphabet has 31 symbols with no look-alikes (no 0/O, 1/I/L). 19 symbols give
 * 19·log2(31) ≈ 94 bits from the CSPRNG. 31 is prime, so the weighted check symbol
 * (Σ wᵢ·vᵢ ≡ 0 mod 31, weights 1..20) catches every single wrong symbol and every
 * swap of two adjacent symbols: a typo is told apart from an unknown code.
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const BASE = CODE_ALPHABET.length; // 31
const RANDOM_LENGTH = 19;
export const CODE_LENGTH = RANDOM_LENGTH + 1;
const VALUE = new Map([...CODE_ALPHABET].map((c, i) => [c, i]));

function checkSymbol(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += (i + 1) * VALUE.get(body[i]!)!;
  // Choose c so that sum + CODE_LENGTH·c ≡ 0 (mod 31); 20 is invertible mod 31 (20·14 = 280 ≡ 1).
  const c = (((-sum * 14) % BASE) + BASE) % BASE;
  return CODE_ALPHABET[c]!;
}

/** A new normalised code (no dashes). Rejection sampling keeps every symbol uniform. */
export function generateCode(): string {
  let body = '';
  while (body.length < RANDOM_LENGTH) {
    for (const byte of randomBytes(32)) {
      if (byte < 248 && body.length < RANDOM_LENGTH) body += CODE_ALPHABET[byte % BASE];
    }
  }
  return body + checkSymbol(body);
}

export type CodeCheck = { ok: true; code: string } | { ok: false; reason: 'malformed' | 'bad_check' };

/** Case- and dash-insensitive: strips spaces and dashes, upper-cases, then checks. */
export function parseCode(input: string): CodeCheck {
  const code = input.replace(/[\s\-–]/g, '').toUpperCase();
  if (code.length !== CODE_LENGTH) return { ok: false, reason: 'malformed' };
  for (const ch of code) if (!VALUE.has(ch)) return { ok: false, reason: 'malformed' };
  if (checkSymbol(code.slice(0, RANDOM_LENGTH)) !== code[RANDOM_LENGTH]) return { ok: false, reason: 'bad_check' };
  return { ok: true, code };
}

/** XXXX-XXXX-XXXX-XXXX-XXXX, for reading aloud. */
export function formatCode(code: string): string {
  return code.match(/.{1,4}/g)!.join('-');
}

/** Codes are bearer secrets: pages and statements show only the last group, enough to find a voucher again. */
export const maskCode = (code: string): string => `…-${formatCode(code).slice(-4)}`;
