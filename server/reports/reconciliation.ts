/**
 * Per campaign, money in against money out, to the cent:
 *   in  = card + bank transfer — what buyers paid, of which service fees and their VAT are
 *         the operator's, the rest is face value — + the sponsor's bonus (owed by the sponsor);
 *   out = paid to shops (net) + settled, not yet paid (net) + commission + VAT on commission
 *         + redeemed, not yet settled + breakage (expired) + cancelled + still outstanding.
 * Face value sold must equal the sum of its uses; `differenceCents` shows any gap (0 when
 * the books are right — check-ledger verifies the same identities account by account).
 * Money in reads campaign_buyer_totals: the orders that issued their vouchers (paid, and
 * refunded ones, which were paid first) counted once each by the ledger writer.
 */
import type { Database_ } from '../../db/client';
import { runReadSync, type ReadProgram } from '../../db/read-program';
import { liabilityProgram, type CampaignLiability } from './liability';

export interface CampaignReconciliation {
  slug: string;
  moneyIn: { cardCents: number; transferCents: number; bonusCents: number; feesCents: number; faceValueCents: number };
  moneyOut: {
    shopsPaidNetCents: number;
    shopsPendingNetCents: number;
    commissionCents: number;
    commissionVatCents: number;
    redeemedUnsettledCents: number;
    breakageCents: number;
    cancelledCents: number;
    outstandingCents: number;
  };
  differenceCents: number;
}

/** `liability`: the rows of liabilityReport(database, now), when the caller already has them. */
export function reconciliationReport(database: Database_, now: Date, liability?: CampaignLiability[]): CampaignReconciliation[] {
  return runReadSync(database.sqlite, reconciliationProgram(now, liability));
}

/** The report as a read program (db/read-program.ts): the same SQL on SQLite and PostgreSQL. */
export function* reconciliationProgram(now: Date, given?: CampaignLiability[]): ReadProgram<CampaignReconciliation[]> {
  const liability = given ?? (yield* liabilityProgram(now));
  const paid = new Map(((yield { sql: `
    SELECT campaign_id AS id,
      SUM(CASE WHEN payment_method = 'card' THEN paid_cents ELSE 0 END) AS card,
      SUM(CASE WHEN payment_method = 'bank_transfer' THEN paid_cents ELSE 0 END) AS transfer,
      SUM(fees_cents) AS fees,
      SUM(bonus_cents) AS bonus
    FROM campaign_buyer_totals GROUP BY campaign_id` }) as { id: string; card: number; transfer: number; fees: number; bonus: number }[]).map((r) => [r.id, r]));
  const settled = new Map(((yield { sql: `
    SELECT c.campaign_id AS id,
      SUM(CASE WHEN st.status = 'paid' THEN c.gross_cents - c.commission_cents - c.vat_cents ELSE 0 END) AS paid_net,
      SUM(CASE WHEN st.status != 'paid' THEN c.gross_cents - c.commission_cents - c.vat_cents ELSE 0 END) AS pending_net,
      SUM(c.commission_cents) AS commission, SUM(c.vat_cents) AS vat, SUM(c.gross_cents) AS gross
    FROM statement_campaigns c JOIN statements st ON st.id = c.statement_id GROUP BY c.campaign_id` }) as { id: string; paid_net: number; pending_net: number; commission: number; vat: number; gross: number }[]).map((r) => [r.id, r]));
  const ids = new Map(((yield { sql: `SELECT id, slug FROM campaigns` }) as { id: string; slug: string }[]).map((r) => [r.slug, r.id]));
  return liability.map((l) => {
    const id = ids.get(l.slug)!;
    const p = paid.get(id) ?? { card: 0, transfer: 0, fees: 0, bonus: 0 };
    const st = settled.get(id) ?? { paid_net: 0, pending_net: 0, commission: 0, vat: 0, gross: 0 };
    const moneyIn = { cardCents: p.card, transferCents: p.transfer, bonusCents: p.bonus, feesCents: p.fees, faceValueCents: p.card + p.transfer - p.fees + p.bonus };
    const moneyOut = {
      shopsPaidNetCents: st.paid_net, shopsPendingNetCents: st.pending_net, commissionCents: st.commission, commissionVatCents: st.vat,
      redeemedUnsettledCents: l.redeemedCents - st.gross, breakageCents: l.expiredCents, cancelledCents: l.cancelledCents, outstandingCents: l.outstandingCents,
    };
    const out = Object.values(moneyOut).reduce((a, b) => a + b, 0) - l.adjustedCents;
    return { slug: l.slug, moneyIn, moneyOut, differenceCents: moneyIn.faceValueCents - out };
  });
}
