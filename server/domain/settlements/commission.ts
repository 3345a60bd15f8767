/**
 * The settlement's arithmetic, pure. Rounding rule (also in docs/architecture.md):
 * - the rounding unit is one statement × one campaign (campaigns may have different rates);
 * - commission = gross × commission_bps / 10 000, rounded half-up to the cent;
 * - VAT = commission × vat_bps / 10 000, rounded half-up to the cent;
 * - net = gross − commission − VAT, so net + commission + VAT = gross exactly, per campaign,
 *   per statement and per batch (sums of exact integers).
 * Statement lines (one per redemption) show a share of that commission computed on the
 * running total (share_i = R(C_i) − R(C_{i−1}), C_i the exact cumulative commission): the
 * shares sum to the rounded total to the cent, and a line can be computed while streaming.
 */
import { cents, percentOf } from '../../lib/money';

export const DEFAULT_COMMISSION_VAT_BPS = 2000;

export interface CampaignShare {
  campaignId: string;
  commissionBps: number;
  vatBps: number;
  redemptionCount: number;
  grossCents: number;
}

export interface CampaignAmounts extends CampaignShare {
  commissionCents: number;
  vatCents: number;
  netCents: number;
}

export interface StatementAmounts {
  redemptionCount: number;
  grossCents: number;
  commissionCents: number;
  vatCents: number;
  netCents: number;
  campaigns: CampaignAmounts[];
}

export function checkRates(commissionBps: number, vatBps: number): void {
  if (!Number.isInteger(commissionBps) || commissionBps < 0 || commissionBps > 5000) throw new Error(`commission rate out of range: ${commissionBps} bp`);
  if (!Number.isInteger(vatBps) || vatBps < 0 || vatBps > 10_000) throw new Error(`VAT rate out of range: ${vatBps} bp`);
}

export function campaignAmounts(share: CampaignShare): CampaignAmounts {
  checkRates(share.commissionBps, share.vatBps);
  if (!Number.isSafeInteger(share.grossCents) || share.grossCents < 0) throw new Error(`bad gross ${share.grossCents}`);
  const commissionCents = percentOf(cents(share.grossCents), share.commissionBps);
  const vatCents = percentOf(commissionCents, share.vatBps);
  return { ...share, commissionCents, vatCents, netCents: share.grossCents - commissionCents - vatCents };
}

/** One shop's statement: the sum of its per-campaign amounts (campaigns in a stable order). */
export function statementAmounts(shares: CampaignShare[]): StatementAmounts {
  const campaigns = [...shares].sort((a, b) => (a.campaignId < b.campaignId ? -1 : a.campaignId > b.campaignId ? 1 : 0)).map(campaignAmounts);
  const sum = (f: (c: CampaignAmounts) => number) => campaigns.reduce((s, c) => s + f(c), 0);
  return {
    redemptionCount: sum((c) => c.redemptionCount),
    grossCents: sum((c) => c.grossCents),
    commissionCents: sum((c) => c.commissionCents),
    vatCents: sum((c) => c.vatCents),
    netCents: sum((c) => c.netCents),
    campaigns,
  };
}

/**
 * Streams the per-line shares of one statement × campaign: feed each redemption's gross in
 * order; the shares of commission and VAT sum exactly to campaignAmounts' totals.
 */
export function lineSplitter(commissionBps: number, vatBps: number) {
  let cumulativeGross = 0;
  let commissionSoFar = 0;
  let vatSoFar = 0;
  return (grossCents: number) => {
    cumulativeGross += grossCents;
    const commission = percentOf(cents(cumulativeGross), commissionBps);
    const vat = percentOf(commission, vatBps);
    const line = { grossCents, commissionCents: commission - commissionSoFar, vatCents: vat - vatSoFar };
    commissionSoFar = commission;
    vatSoFar = vat;
    return { ...line, netCents: grossCents - line.commissionCents - line.vatCents };
  };
}
