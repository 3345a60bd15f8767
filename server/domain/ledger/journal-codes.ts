/**
 * Which accounting journal each of our journal kinds belongs to. The code is stored on the
 * journal when it is posted, with its number in that journal (journal_counters): the FEC's
 * JournalCode and EcritureNum (LPF art. A47 A-1) are facts of the books, not of an export,
 * so every export of the same entry shows the same number.
 *
 * Changing a kind's code here only affects entries posted afterwards: numbers already given
 * stay where they are (migration 0011 numbered the entries that existed before it with this
 * same mapping).
 */
export const JOURNAL_CODES = {
  /** Sales of vouchers (card, transfer) and their fees. */
  VT: 'Ventes de bons',
  /** Money received or paid through the bank and the payment provider. */
  BQ: 'Banque',
  /** Vouchers spent in shops, and their voids. */
  EN: 'Encaissements en commerce',
  /** Settlements: what is owed to each shop, net of commission. */
  RG: 'Règlements aux commerçants',
  /** Everything else: expiry, refunds, reissues, support adjustments. */
  OD: 'Opérations diverses',
} as const;

export type JournalCode = keyof typeof JOURNAL_CODES;

// A Map, not an object literal: a kind named "constructor" must not find Object's.
const BY_KIND: ReadonlyMap<string, JournalCode> = new Map(Object.entries({
  voucher_sale: 'VT',
  service_fee: 'VT',
  bank_transfer_received: 'BQ',
  payment_suspense: 'BQ',
  settlement_payout: 'BQ',
  settlement_payout_reversal: 'BQ',
  redemption: 'EN',
  redemption_void: 'EN',
  settlement: 'RG',
  voucher_expiry: 'OD',
} satisfies Record<string, JournalCode>));

/** The journal a kind of entry is posted to; kinds not listed go to miscellaneous operations. */
export const journalCodeOf = (kind: string): JournalCode => BY_KIND.get(kind) ?? 'OD';

/** The journal's French title (JournalLib): the books are kept in French (code de commerce, art. L123-22). */
export const journalTitle = (code: string): string => (Object.hasOwn(JOURNAL_CODES, code) ? JOURNAL_CODES[code as JournalCode] : JOURNAL_CODES.OD);
