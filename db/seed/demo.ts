import { sql } from 'drizzle-orm';
import { campaignMerchants, campaigns, merchants, orderItems, orders, outboxMessages } from '../schema/index';
import type { Database_ } from '../client';
import { confirmPaymentTx } from '../../server/domain/orders/orders-service';
import { newId, newOrderReference, sha256 } from '../../server/lib/ids';
import { fixedClock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { DEMO_PASSWORD, demoCampaigns, demoIban, demoMerchants, demoSales, demoShopUsers } from './demo-data';
import { createMerchantUser } from '../../server/domain/merchants/merchant-users-service';
import { createApiKey } from '../../server/domain/merchants/api-keys-service';
import { findMerchantBySlug } from '../../server/domain/merchants/merchant-users-repository';
import { replaceHours } from '../../server/domain/merchants/opening-hours-repository';
import { demoOpeningHours } from './demo-hours';
import { seedDemoOperators } from '../../server/domain/operators/demo-operators';

export function isDatabaseEmpty(database: Database_): boolean {
  return database.db.select({ n: sql<number>`count(*)` }).from(campaigns).get()!.n === 0;
}

export interface SeedResult {
  campaignName: string;
  campaignSlug: string;
  merchantCount: number;
  shopUsers: { email: string; password: string; role: string; merchantSlug: string }[];
  /** The operator's demo staff (back-office at /operateur): an admin and a read-only viewer. */
  operatorUsers: { email: string; password: string; role: string }[];
  /** A POS API key for the first demo shop, to try the API (shown once, like any key). */
  apiKey: { merchantSlug: string; key: string };
}

/**
 * Demo campaigns, shops and a few past sales. Sales go through the real payment
 * service, so their vouchers, journals and progress are exactly what production makes.
 */
export async function seedDemo(database: Database_, now: Date): Promise<SeedResult> {
  const logger = createLogger('silent');
  const at = now.toISOString();
  const startsAt = new Date(now.getTime() - 30 * 86400_000).toISOString();
  database.transaction((tx) => {
    const merchantIds = new Map<string, string>();
    for (const [i, m] of demoMerchants.entries()) {
      const id = newId();
      merchantIds.set(m.slug, id);
      tx.insert(merchants).values({ ...m, id, status: 'approved', iban: demoIban(i + 1), bic: 'BNPAFRPP', accountHolder: m.name, createdAt: at }).run();
      replaceHours(tx, id, demoOpeningHours(m.category));
    }
    for (const c of demoCampaigns) {
      const id = newId();
      const { merchants: accepted, denominationsCents, ...rest } = c;
      tx.insert(campaigns).values({ ...rest, id, status: 'active', denominationsCents: JSON.stringify(denominationsCents), startsAt, endsAt: null, createdAt: at }).run();
      const slugs = accepted === 'all' ? demoMerchants.map((m) => m.slug) : accepted;
      tx.insert(campaignMerchants).values(slugs.map((s) => ({ campaignId: id, merchantId: merchantIds.get(s)! }))).run();
    }
    // Posted in the order they happened, across campaigns, as the books would have numbered
    // them (FEC entry numbers follow posting order, journal-codes.ts).
    const sales = demoSales
      .flatMap(([slug, amounts]) => amounts.map((amountCents, i) => ({ slug, amountCents, i, soldAt: new Date(now.getTime() - (amounts.length - i) * 86400_000) })))
      .sort((a, b) => a.soldAt.getTime() - b.soldAt.getTime());
    for (const { slug, amountCents, i, soldAt } of sales) {
      const campaignId = tx.select({ id: campaigns.id }).from(campaigns).where(sql`slug = ${slug}`).get()!.id;
      const orderId = newId();
      tx.insert(orders)
        .values({
          id: orderId, reference: newOrderReference(), campaignId, status: 'pending_payment', buyerType: 'individual',
          buyerName: `Client démo ${i + 1}`, buyerEmail: `client${i + 1}@example.org`, paymentMethod: 'card', totalCents: amountCents,
          locale: 'fr', accessTokenHash: sha256(newId()), checkoutRef: `demo_seed_${orderId}`, createdAt: soldAt.toISOString(),
        })
        .run();
      tx.insert(orderItems).values({ id: newId(), orderId, position: 0, amountCents, quantity: 1 }).run();
      confirmPaymentTx(tx, { clock: fixedClock(soldAt), logger }, { orderId, provider: 'demo', providerRef: `demo_seed_${orderId}`, amountCents, currency: 'eur' });
    }
    // Demo history needs no mail.
    tx.delete(outboxMessages).run();
  });
  const clock = fixedClock(now);
  for (const u of demoShopUsers) await createMerchantUser({ database, clock }, { ...u, password: DEMO_PASSWORD });
  const operatorUsers = await seedDemoOperators({ database, clock });
  const shop = findMerchantBySlug(database.db, demoShopUsers[0]!.merchantSlug)!;
  const { key } = createApiKey({ database, clock }, { kind: 'merchant', merchantId: shop.id, label: 'Démo caisse' });
  const main = demoCampaigns[0]!;
  return {
    campaignName: main.name,
    campaignSlug: main.slug,
    merchantCount: demoMerchants.length,
    shopUsers: demoShopUsers.map((u) => ({ email: u.email, password: DEMO_PASSWORD, role: u.role, merchantSlug: u.merchantSlug })),
    operatorUsers,
    apiKey: { merchantSlug: shop.slug, key },
  };
}
