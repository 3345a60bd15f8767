import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatIban, frenchVatNumber, IBAN_LENGTHS, optional, parseBic, parseChorusServiceCode, parseCommitmentNumber, parseIban,
  parseSiren, parseSiret, parseVatNumber,
} from '../../server/lib/identifiers';

const ok = (value: string) => ({ ok: true, value });
const ko = (reason: string) => ({ ok: false, reason });

/** Every other digit of `digits` replaced by each of the nine other digits, one at a time. */
function singleDigitChanges(digits: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < digits.length; i++) {
    if (!/\d/.test(digits[i]!)) continue;
    for (let d = 0; d <= 9; d++) if (String(d) !== digits[i]) out.push(digits.slice(0, i) + d + digits.slice(i + 1));
  }
  return out;
}

describe('SIREN', () => {
  it.each([
    ['732829320', '732829320'],
    ['732 829 320', '732829320'],
    [' 552\u00a0100\u202f554 ', '552100554'],
    ['443061841', '443061841'],
  ])('accepts %j as %s', (input, value) => expect(parseSiren(input)).toEqual(ok(value)));

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['73282932A', 'invalid_chars'],
    ['732.829.320', 'invalid_chars'],
    ['73282932', 'wrong_length'],
    ['7328293200', 'wrong_length'],
    ['732829321', 'bad_check'],
    ['723829320', 'bad_check'], // adjacent digits swapped
  ])('refuses %j (%s)', (input, reason) => expect(parseSiren(input)).toEqual(ko(reason)));
});

describe('SIRET', () => {
  it.each([
    ['73282932000074', '73282932000074'],
    ['732 829 320 00074', '73282932000074'],
    ['44306184100047', '44306184100047'],
    ['40483304800022', '40483304800022'],
  ])('accepts %j', (input, value) => expect(parseSiret(input)).toEqual(ok(value)));

  it.each([
    ['', 'empty'],
    ['7328293200007', 'wrong_length'],
    ['732829320000740', 'wrong_length'],
    ['7328293200007A', 'invalid_chars'],
    ['73282932000075', 'bad_check'],
    // Digit sum divisible by 5, but not La Poste: only Luhn counts.
    ['73282932000072', 'bad_check'],
  ])('refuses %j (%s)', (input, reason) => expect(parseSiret(input)).toEqual(ko(reason)));

  it('accepts La Poste establishments by their digit-sum rule, and its Luhn-valid head office', () => {
    expect(parseSiret('35600000049832')).toEqual(ok('35600000049832')); // Σ = 40, not Luhn-valid
    expect(parseSiret('356 000 000 00048')).toEqual(ok('35600000000048')); // head office: Luhn, Σ = 26
    expect(parseSiret('35600000049838')).toEqual(ko('bad_check')); // Σ = 46, not Luhn-valid
  });

  const notLaPoste = fc.stringMatching(/^\d{13}$/).filter((p) => !p.startsWith('356000000'));

  it('has exactly one check digit for any 13 first digits', () => {
    fc.assert(
      fc.property(notLaPoste, (prefix) => {
        const valid = [...'0123456789'].filter((d) => parseSiret(prefix + d).ok);
        expect(valid).toHaveLength(1);
      }),
    );
  });

  it('detects any single wrong digit in a valid SIRET', () => {
    fc.assert(
      fc.property(notLaPoste, (prefix) => {
        const siret = [...'0123456789'].map((d) => prefix + d).find((s) => parseSiret(s).ok)!;
        for (const typo of singleDigitChanges(siret)) {
          // A typo may land on La Poste's SIREN, whose weaker rule is another matter.
          if (!typo.startsWith('356000000')) expect(parseSiret(typo)).toEqual(ko('bad_check'));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('VAT numbers', () => {
  it.each([
    ['FR40303265045', 'FR40303265045'],
    ['fr 40 303 265 045', 'FR40303265045'],
    ['FR44732829320', 'FR44732829320'],
    ['FR-44.732.829.320', 'FR44732829320'],
    ['FRXA303265045', 'FRXA303265045'], // alphanumeric key: format only
    ['FR90000012345', 'FR90000012345'], // Monaco: no Luhn on the "SIREN"
    ['DE123456789', 'DE123456789'],
    ['ATU12345678', 'ATU12345678'],
    ['BE0123456789', 'BE0123456789'],
    ['NL123456789B01', 'NL123456789B01'],
    ['ESX1234567X', 'ESX1234567X'],
    ['IE1234567WA', 'IE1234567WA'],
    ['IT12345678901', 'IT12345678901'],
    ['GR123456789', 'EL123456789'], // Greece is EL in VAT numbers
  ])('accepts %j as %s', (input, value) => expect(parseVatNumber(input)).toEqual(ok(value)));

  it.each([
    ['', 'empty'],
    ['40303265045', 'malformed'],
    ['US123456789', 'unknown_country'],
    ['GB123456789', 'unknown_country'], // no longer in the EU
    ['FR4030326504', 'malformed'],
    ['FRIO303265045', 'malformed'], // I and O are never used in keys
    ['DE12345678', 'malformed'],
    ['NL123456789A01', 'malformed'],
    ['BE2123456789', 'malformed'],
    ['FR41303265045', 'bad_check'], // key does not match the SIREN
    ['FR40303265046', 'bad_check'], // SIREN changed
    ['FR40303256045', 'bad_check'], // digits swapped
  ])('refuses %j (%s)', (input, reason) => expect(parseVatNumber(input)).toEqual(ko(reason)));

  it('refuses a matching numeric key on a SIREN that fails Luhn', () => {
    const siren = '732829321';
    expect(parseSiren(siren).ok).toBe(false);
    expect(parseVatNumber(frenchVatNumber(siren))).toEqual(ko('bad_check'));
  });

  it('derives the French VAT number of any valid SIREN', () => {
    expect(frenchVatNumber('303265045')).toBe('FR40303265045');
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9]\d{7}$/), (prefix) => {
        const siren = [...'0123456789'].map((d) => prefix + d).find((s) => parseSiren(s).ok)!;
        expect(parseVatNumber(frenchVatNumber(siren))).toEqual(ok(frenchVatNumber(siren)));
      }),
    );
  });
});

/** An independent check-digit computation (BigInt) to build valid IBANs for the property. */
function withCheckDigits(country: string, bban: string): string {
  const expanded = [...`${bban}${country}00`].map((c) => parseInt(c, 36)).join('');
  return `${country}${String(98n - (BigInt(expanded) % 97n)).padStart(2, '0')}${bban}`;
}

describe('IBAN', () => {
  it.each([
    'FR7630006000011234567890189',
    'FR1420041010050500013M02606',
    'DE89370400440532013000',
    'BE68539007547034',
    'NL91ABNA0417164300',
    'IT60X0542811101000000123456',
    'ES9121000418450200051332',
    'CH9300762011623852957',
    'MC5811222000010123456789030',
    'PT50000201231234567890154',
    'LU280019400644750000',
    'GB29NWBK60161331926819',
  ])('accepts %s', (iban) => expect(parseIban(iban)).toEqual(ok(iban)));

  it('normalises spaces and case, and formats in groups of four', () => {
    expect(parseIban(' fr76 3000\u00a06000 0112 3456 7890 189 ')).toEqual(ok('FR7630006000011234567890189'));
    expect(formatIban('FR7630006000011234567890189')).toBe('FR76 3000 6000 0112 3456 7890 189');
    expect(formatIban('BE68539007547034')).toBe('BE68 5390 0754 7034');
  });

  it.each([
    ['', 'empty'],
    ['FR76-3000-6000-0112-3456-7890-189', 'invalid_chars'],
    ['7630006000011234567890189', 'malformed'],
    ['FRAB30006000011234567890189', 'malformed'],
    ['US64SVBKUS6S3300958879', 'unknown_country'],
    ['FR763000600001123456789018', 'wrong_length'],
    ['DE8937040044053201300', 'wrong_length'],
    ['FR7630006000011234567890188', 'bad_check'],
    ['FR7630006000011234576890189', 'bad_check'], // adjacent digits swapped
    ['NL91ABNA0417164301', 'bad_check'],
    // Check digits 02 and 99 leave the same remainder, but 99 (like 00 and 01) is never issued.
    ['DE99370400440532013014', 'bad_check'],
  ])('refuses %j (%s)', (input, reason) => expect(parseIban(input)).toEqual(ko(reason)));

  it('knows the length of every SEPA country it lists', () => {
    expect(IBAN_LENGTHS.FR).toBe(27);
    expect(IBAN_LENGTHS.NO).toBe(15);
    expect(IBAN_LENGTHS.MT).toBe(31);
    expect(parseIban('DE02370400440532013014')).toEqual(ok('DE02370400440532013014'));
  });

  const validIban = fc
    .constantFrom(...Object.keys(IBAN_LENGTHS))
    .chain((country) => fc.stringMatching(new RegExp(`^\\d{${IBAN_LENGTHS[country]! - 4}}$`)).map((bban) => withCheckDigits(country, bban)));

  it('accepts IBANs built with independently computed check digits', () => {
    fc.assert(
      fc.property(validIban, (iban) => {
        expect(parseIban(iban)).toEqual(ok(iban));
      }),
    );
  });

  it('detects any single wrong digit in a valid IBAN', () => {
    fc.assert(
      fc.property(validIban, (iban) => {
        for (const typo of singleDigitChanges(iban)) expect(parseIban(typo)).toEqual(ko('bad_check'));
      }),
      { numRuns: 100 },
    );
  });
});

describe('BIC', () => {
  it.each([
    ['BNPAFRPP', 'BNPAFRPP'],
    ['bnpa fr pp xxx', 'BNPAFRPPXXX'],
    ['DEUTDEFF500', 'DEUTDEFF500'],
    ['AGRIFRPP882', 'AGRIFRPP882'],
    ['CEPAFRPP751', 'CEPAFRPP751'],
  ])('accepts %j as %s', (input, value) => expect(parseBic(input)).toEqual(ok(value)));

  it.each([
    ['', 'empty'],
    ['BNPAFRP', 'wrong_length'],
    ['BNPAFRPPXX', 'wrong_length'],
    ['BNP1FRPP', 'malformed'], // bank code is letters
    ['BNPAF1PP', 'malformed'], // country is letters
    ['BNPAFR1P', 'malformed'], // location cannot start with 0 or 1
    ['BNPAFRPO', 'malformed'], // O is reserved as second location character
    ['BNPAFRPP-XX', 'malformed'],
  ])('refuses %j (%s)', (input, reason) => expect(parseBic(input)).toEqual(ko(reason)));
});

describe('Chorus Pro references', () => {
  it('accepts service codes of letters, digits, dashes and underscores', () => {
    expect(parseChorusServiceCode(' SERVICE_ACHATS-01 ')).toEqual(ok('SERVICE_ACHATS-01'));
    expect(parseChorusServiceCode('a'.repeat(100))).toEqual(ok('a'.repeat(100)));
  });

  it.each([
    ['', 'empty'],
    ['a'.repeat(101), 'too_long'],
    ['Service achats', 'invalid_chars'],
    ['Réception', 'invalid_chars'],
    ['DEP/75', 'invalid_chars'],
  ])('refuses the service code %j (%s)', (input, reason) => expect(parseChorusServiceCode(input)).toEqual(ko(reason)));

  it('accepts any printable commitment number up to 50 characters', () => {
    expect(parseCommitmentNumber(' BC n° 2024-118 ')).toEqual(ok('BC n° 2024-118'));
    expect(parseCommitmentNumber('É'.repeat(50))).toEqual(ok('É'.repeat(50)));
    // NFD input counts (and is stored) as NFC.
    expect(parseCommitmentNumber('E\u0301'.repeat(50))).toEqual(ok('É'.repeat(50)));
  });

  it.each([
    ['  ', 'empty'],
    ['x'.repeat(51), 'too_long'],
    ['BC\t2024', 'invalid_chars'],
    ['BC\n2024', 'invalid_chars'],
    ['BC\u200b2024', 'invalid_chars'], // zero-width space
  ])('refuses the commitment number %j (%s)', (input, reason) => expect(parseCommitmentNumber(input)).toEqual(ko(reason)));
});

describe('optional', () => {
  it('turns blank input into a valid absence and keeps other refusals', () => {
    const siret = optional(parseSiret);
    expect(siret('')).toEqual({ ok: true, value: null });
    expect(siret(undefined)).toEqual({ ok: true, value: null });
    expect(siret(null)).toEqual({ ok: true, value: null });
    expect(siret(' 732 829 320 00074')).toEqual(ok('73282932000074'));
    expect(siret('123')).toEqual(ko('wrong_length'));
  });
});
