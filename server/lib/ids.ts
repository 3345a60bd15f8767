import { createHash, randomBytes, randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

/** A secret for a URL or a bearer header: 32 random bytes, base64url. */
export const newToken = (): string => randomBytes(32).toString('base64url');

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

const REF_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** Short human order reference, e.g. "CMD-7K3M-9QXA"; uniqueness is enforced by the database. */
export function newOrderReference(): string {
  const bytes = randomBytes(8);
  let s = '';
  for (const b of bytes) s += REF_ALPHABET[b % REF_ALPHABET.length];
  return `CMD-${s.slice(0, 4)}-${s.slice(4)}`;
}
