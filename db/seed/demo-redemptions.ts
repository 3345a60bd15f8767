import type { Database_ } from '../client';
import { redeem } from '../../server/domain/redemptions/redemptions-service';
import { fixedClock } from '../../server/lib/clock';

/**
 * A few past redemptions in demo shops, so a newcomer sees a shop dashboard with history
 * and can run a settlement from the back-office (or `cli settle`) right away. Through the
 * real till service, dated in the past days (outside the void window). Only for `npm
 * start` / `cli seed-demo`: tests seed without it and build their own history.
 */
export async function seedDemoRedemptions(database: Database_, now: Date): Promise<number> {
  const vouchers = database.sqlite.prepare(`
    SELECT v.code, v.balance_cents AS balance, v.campaign_id AS campaignId, v.issued_at AS issuedAt FROM vouchers v
    WHERE v.status = 'active' ORDER BY v.issued_at LIMIT 12`).all() as { code: string; balance: number; campaignId: string; issuedAt: string }[];
  const shopsFor = database.sqlite.prepare(`
    SELECT m.id FROM campaign_merchants cm JOIN merchants m ON m.id = cm.merchant_id WHERE cm.campaign_id = ? AND m.status = 'approved' ORDER BY m.slug`);
  let n = 0;
  for (const [i, v] of vouchers.entries()) {
    const shops = shopsFor.pluck().all(v.campaignId) as string[];
    const at = new Date(Math.max(new Date(v.issuedAt).getTime() + 3600_000, now.getTime() - (12 - i) * 6 * 3600_000));
    if (at.getTime() > now.getTime() - 3600_000 || shops.length === 0) continue;
    // Partial: 40 % to 90 % of the balance, to the cent, so some value stays on the voucher.
    const amountCents = Math.max(100, Math.round((v.balance * (40 + ((i * 37) % 51))) / 100));
    await redeem({ database, clock: fixedClock(at), voidWindowMinutes: 30 }, {
      merchantId: shops[(i * 5) % shops.length]!, actor: 'demo', code: v.code, amountCents: Math.min(amountCents, v.balance), idempotencyKey: `demo-seed-${i}`,
    });
    n++;
  }
  return n;
}
