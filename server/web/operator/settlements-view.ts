import { formatStamp } from '../../lib/dates';
import { maskIban } from '../../lib/identifiers';
import { formatMoney } from '../../lib/money';
import type { Database_ } from '../../../db/client';
import { payoutRoute } from '../../domain/settlements/payout-route';
import { implicitFirstFile } from '../../domain/settlements/sepa-export';
import { batchHolds, batchSepaFiles, batchStatements, listBatches, type SettlementBatch } from '../../domain/settlements/settlements-repository';
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

/** Where file `seq` of a batch is downloaded: file 1 keeps the address it always had. */
export const sepaFileHref = (batchId: string, seq: number) => `/operateur/reglements/${batchId}/${seq === 1 ? 'sepa.xml' : `sepa-${seq}.xml`}`;

export function batchDetailView(database: Database_, batch: SettlementBatch, locale: string, t: T) {
  const shops = new Map((database.sqlite.prepare(`SELECT id, name, slug FROM merchants`).all() as { id: string; name: string; slug: string }[]).map((m) => [m.id, m]));
  const rows = batchStatements(database.db, batch.id);
  // A batch settled before files were recorded shows the file 1 it will record (same bytes).
  const implicit = implicitFirstFile(database.db, batch);
  const recorded = implicit ? [{ ...implicit.head, executedAt: null }] : batchSepaFiles(database.db, batch.id);
  const fileOf = (s: (typeof rows)[number]) => (implicit && s.method === 'sepa' ? 1 : s.sepaFileSeq);
  const statements = rows.map((s) => ({
    ...s,
    shop: shops.get(s.merchantId)?.name ?? s.merchantId,
    methodLabel: t(`operator.settlements.method_${s.method}`),
    statusLabel: t(`operator.settlements.status_${s.status}`),
    paidAtLabel: when(s.paidAt, locale),
    // What Stripe took back of a paid transfer is owed to the shop again.
    owedLabel: s.reversedCents > 0 ? t('operator.settlements.still_owed', { amount: formatMoney(s.reversedCents, locale) }) : null,
    account: s.method === 'sepa' ? maskIban(s.iban ?? '') : s.stripeAccountId,
    fileLabel: s.method === 'sepa' && fileOf(s) !== null ? t('operator.settlement.in_file', { seq: fileOf(s)! }) : null,
    sepaHeld: s.method === 'sepa' && fileOf(s) === null && s.status !== 'paid' ? t(`operator.settlement.sepa_held_${s.sepaHoldReason ?? 'pending'}`) : null,
  }));
  const files = recorded.map((f) => ({
    ...f,
    href: sepaFileHref(batch.id, f.seq),
    count: statements.filter((s) => s.method === 'sepa' && fileOf(s) === f.seq).length,
    created: when(f.createdAt, locale),
    executed: f.executedAt ? when(f.executedAt, locale) : null,
  }));
  const holds = batchHolds(database.db, batch.id).map((h) => ({ ...h, shop: shops.get(h.merchantId)?.name ?? h.merchantId, reasonLabel: t(`operator.settlements.hold_${h.reason}`) }));
  const unfiled = statements.filter((s) => s.sepaHeld !== null).length;
  return {
    batch: { ...batch, created: when(batch.createdAt, locale), cutoff: when(batch.cutoffAt, locale), executed: when(batch.sepaExecutedAt, locale) },
    statements,
    holds,
    files,
    unfiled,
    sepaCount: statements.filter((s) => s.method === 'sepa').length,
  };
}
