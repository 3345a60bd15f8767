/**
 * Our ledger's account names (server/domain/ledger/accounts.ts, plus those the settlement
 * work adds) mapped to the French chart of accounts (PCG) for the FEC and the accountant.
 *
 * | ours                           | PCG   | why                                                       |
 * |--------------------------------|-------|-----------------------------------------------------------|
 * | bank                           | 512   | Banques                                                   |
 * | payments_clearing:<provider>   | 5117  | under 511 "valeurs à l'encaissement": card money collected |
 * |                                |       | by the provider, not yet on our bank; aux = provider      |
 * | payouts_pending                | 4673  | under 467: settled to shops, transfer not yet executed —  |
 * |                                |       | still owed to them, but no longer per shop (ask the       |
 * |                                |       | accountant whether they prefer a 401 sub-account)         |
 * | payouts_in_transit             | 580   | virements internes: provider → bank payout on its way     |
 * | payments_suspense              | 4718  | under 471 "comptes d'attente": money matching no order    |
 * | customer_advances              | 4191  | clients – avances et acomptes reçus sur commandes         |
 * | voucher_liability              | 4671  | under 467 "autres comptes débiteurs ou créditeurs": what  |
 * |                                |       | holders of multi-purpose vouchers can still spend         |
 * | sponsor_payable:<campaignId>   | 4672  | under 467 too: expired value owed back to the campaign's  |
 * |                                |       | sponsor; aux = campaign                                   |
 * | merchant_payable:<merchantId>  | 401   | fournisseurs; aux = merchant id (one sub-ledger per shop) |
 * | service_fee_revenue            | 706   | prestations de services (the fee on organisations' orders)|
 * | commission_revenue             | 7082  | commissions et courtages (taken on shops' redemptions)    |
 * | breakage_revenue               | 758   | produits divers de gestion courante (expired balances)    |
 * | vat_collected                  | 44571 | TVA collectée (on the fee and on the commission)          |
 * | support_adjustments            | 4719  | under 471: balances adjusted by support, to be justified  |
 * | sponsor_bonus_receivable:<c>   | 4674  | under 467: bonuses granted, owed by the campaign's sponsor|
 * | anything else                  | 471   | compte d'attente, labelled with the raw name, so an       |
 * |                                |       | account added to the ledger but not here shows up at once |
 *
 * Sub-accounts (5117, 4671, 4672, 4673, 4718, 7082) keep the first three PCG digits the FEC
 * requires while giving each of our accounts its own number: one CompteNum, one meaning.
 * The accountant may renumber them; callers can pass their own chart to fecLines.
 */

export interface FecAccount {
  compteNum: string;
  compteLib: string;
  /** Auxiliary (sub-ledger) account: the shop, the sponsor, the provider. */
  auxNum?: string;
  auxLib?: string;
}

export type FecChart = (account: string) => FecAccount;

// Maps, not object literals: an account named "constructor" must not find Object's.
const PLAIN: ReadonlyMap<string, FecAccount> = new Map(Object.entries({
  bank: { compteNum: '512', compteLib: 'Banque' },
  payouts_pending: { compteNum: '4673', compteLib: 'Règlements aux commerçants en cours' },
  payouts_in_transit: { compteNum: '580', compteLib: 'Virements internes' },
  payments_suspense: { compteNum: '4718', compteLib: 'Encaissements à identifier' },
  customer_advances: { compteNum: '4191', compteLib: 'Clients - avances et acomptes reçus' },
  voucher_liability: { compteNum: '4671', compteLib: "Bons d'achat en circulation" },
  service_fee_revenue: { compteNum: '706', compteLib: 'Prestations de services' },
  commission_revenue: { compteNum: '7082', compteLib: 'Commissions et courtages' },
  breakage_revenue: { compteNum: '758', compteLib: 'Produits divers de gestion courante' },
  vat_collected: { compteNum: '44571', compteLib: 'TVA collectée' },
  support_adjustments: { compteNum: '4719', compteLib: 'Ajustements de bons à justifier' },
}));

/** "<kind>:<id>" accounts: one general account, the id as auxiliary account. */
const PER_PARTY: ReadonlyMap<string, FecAccount> = new Map(Object.entries({
  payments_clearing: { compteNum: '5117', compteLib: 'Encaissements des prestataires de paiement' },
  merchant_payable: { compteNum: '401', compteLib: 'Fournisseurs - commerçants' },
  sponsor_payable: { compteNum: '4672', compteLib: 'Sponsors - bons expirés à reverser' },
  sponsor_bonus_receivable: { compteNum: '4674', compteLib: 'Financeurs - abondements à recevoir' },
}));

/**
 * The PCG account of one of our ledger accounts. The auxiliary label is the id itself:
 * this module knows no shop names; a caller that does can wrap it
 * (`a => ({ ...defaultChart(a), auxLib: names.get(id) })`).
 */
export function defaultChart(account: string): FecAccount {
  const plain = PLAIN.get(account);
  if (plain) return { ...plain }; // a copy: callers may decorate it
  const colon = account.indexOf(':');
  if (colon > 0 && colon < account.length - 1) {
    const general = PER_PARTY.get(account.slice(0, colon));
    const id = account.slice(colon + 1);
    if (general) return { ...general, auxNum: id, auxLib: id };
  }
  return { compteNum: '471', compteLib: account };
}
