import { formatStamp } from '../../lib/dates';
import { maskIban } from '../../lib/identifiers';
import { formatMoney } from '../../lib/money';
import type { Database_ } from '../../../db/client';
import { payoutRoute } from '../../domain/settlements/payout-route';
import { batchHolds, batchStatements, listBatches, type SettlementBatch } from '../../domain/settlements/settlements-repository';
import { cutoffFor } from '../../domain/settlements/settlement-service';
import { parisDate } from '../../lib/paris-time';

type T = (key: string, params?: Record<string, string | number>) => string;

const when = (iso: string | null, locale: string) => formatStamp(iso, locale) ?? '';

/** What is waiting for the next run, per shop, with the reason a shop would be held back. */
export function unsettledPreview(database: Database_, now: Date, voidWindowMinutes: number, t: T) {
  const cutoff = cutoffFor(parisDate(now), now, voidWindowMinutes).toISOString();
  const rows = database.sqlite.prepare(`
    SELECT m.slug, m.name, m.iban, m.bic, m.account_holder AS accountHolder, m.stripe_account_id AS stripeAccountId, COUNT(*) AS n, SUM(r.amount_cents) AS cents
    FROM redemptions r JOIN merchants m ON m.id = r.merchant_id
    WHERE r.status = 'completed' AND r.statement_id IS NULL AND r.created_at <= ? GROUP BY m.id ORDER BY cents DESC`).all(cutoff) as {
    slug: string; name: string; iban: string | null; bic: string | null; accountHolder: string | null; stripeAccountId: string | null; n: number; cents: number;
  }[];
  return rows.map((r) => {
    const route = payoutRoute(r);
    return { name: r.name, slug: r.slug, count: r.n, cents: r.cents, method: route.ok ? t(`operator.settlements.method_${route.method}`) : '', hold: route.ok ? null : t(`operator.settlements.hold_${route.reason}`) };
  });
}

export function batchListView(database: Database_, locale: string, t: T) {
  return listBatches(database.db).map((b) => ({
    ...b,
    created: when(b.createdAt, locale),
    executed: b.sepaExecutedAt ? when(b.sepaExecutedAt, locale) : null,
    state: b.sepaExecutedAt ? t('operator.settlements.executed') : t('operator.settlements.to_execute'),
  }));
}

export function batchDetailView(database: Database_, batch: SettlementBatch, locale: string, t: T) {
  const shops = new Map((database.sqlite.prepare(`SELECT id, name, slug FROM merchants`).all() as { id: string; name: string; slug: string }[]).map((m) => [m.id, m]));
  const statements = batchStatements(database.db, batch.id).map((s) => ({
    ...s,
    shop: shops.get(s.merchantId)?.name ?? s.merchantId,
    methodLabel: t(`operator.settlements.method_${s.method}`),
    statusLabel: t(`operator.settlements.status_${s.status}`),
    paidAtLabel: when(s.paidAt, locale),
    // What Stripe took back of a paid transfer is owed to the shop again.
    owedLabel: s.reversedCents > 0 ? t('operator.settlements.still_owed', { amount: formatMoney(s.reversedCents, locale) }) : null,
    account: s.method === 'sepa' ? maskIban(s.iban ?? '') : s.stripeAccountId,
  }));
  const holds = batchHolds(database.db, batch.id).map((h) => ({ ...h, shop: shops.get(h.merchantId)?.name ?? h.merchantId, reasonLabel: t(`operator.settlements.hold_${h.reason}`) }));
  return {
    batch: { ...batch, created: when(batch.createdAt, locale), cutoff: when(batch.cutoffAt, locale), executed: when(batch.sepaExecutedAt, locale) },
    statements,
    holds,
    sepaCount: statements.filter((s) => s.method === 'sepa').length,
    sepaPending: statements.some((s) => s.method === 'sepa' && s.status !== 'paid'),
  };
}
