import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeLatin9, toLatin9Text } from '../../server/lib/latin9';

/**
 * The FEC's bytes, read back by an independent ISO 8859-15 decoder (ICU's, through
 * TextDecoder): the native fast path for chunks without €/Œ/Š… and the per-character path
 * must both give what Latin-9 says, one byte per character.
 */
const latin9 = new TextDecoder('iso-8859-15');

describe('encodeLatin9', () => {
  it('writes one ISO 8859-15 byte per character of the transliterated text, for any text (fast and slow paths)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.constantFrom('', 'Crédit Œuvre 12,50 €', 'Gérard à Fécamp'), (text, extra) => {
        const s = text + extra;
        const bytes = encodeLatin9(s);
        const safe = toLatin9Text(s);
        expect(bytes.length).toBe(safe.length);
        expect(latin9.decode(bytes)).toBe(safe);
      }),
      { numRuns: 300 },
    );
  });

  it('encodes a 64 KB chunk of plain French text byte for byte', () => {
    const chunk = 'VT\tVentes\t12\t20261207\t411000\tClients\t\t\tCMD-1\t20261207\tVente de bons à Fécamp\t12,50\t0,00\t\t\t20261207\t\t\n'.repeat(700);
    expect(latin9.decode(encodeLatin9(chunk))).toBe(chunk);
    expect(encodeLatin9(chunk).length).toBe(chunk.length);
  });
});
