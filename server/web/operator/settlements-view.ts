import { formatStamp } from '../../lib/dates';
import { maskIban } from '../../lib/identifiers';
import { formatMoney } from '../../lib/money';
import { payoutRoute } from '../../domain/settlements/payout-route';
import type { UnsettledShop } from '../../domain/settlements/settlement-pages';
import type { SepaFile, SettlementBatch, SettlementHold, Statement } from '../../domain/settlements/settlements-repository';

type T = (key: string, params?: Record<string, string | number>) => string;

const when = (iso: string | null, locale: string) => formatStamp(iso, locale) ?? '';

/** What is waiting for the next run, per shop, with the reason a shop would be held back. */
export function unsettledPreview(rows: UnsettledShop[], t: T) {
  return rows.map((r) => {
    const route = payoutRoute(r);
    return { name: r.name, slug: r.slug, count: r.n, cents: r.cents, method: route.ok ? t(`operator.settlements.method_${route.method}`) : '', hold: route.ok ? null : t(`operator.settlements.hold_${route.reason}`) };
  });
}

export function batchListView(batches: (SettlementBatch & { statementCount: number })[], locale: string, t: T) {
  return batches.map((b) => ({
    ...b,
    created: when(b.createdAt, locale),
    executed: b.sepaExecutedAt ? when(b.sepaExecutedAt, locale) : null,
    state: b.sepaExecutedAt ? t('operator.settlements.executed') : t('operator.settlements.to_execute'),
  }));
}

/** Where file `seq` of a batch is downloaded: file 1 keeps the address it always had. */
export const sepaFileHref = (batchId: string, seq: number) => `/operateur/reglements/${batchId}/${seq === 1 ? 'sepa.xml' : `sepa-${seq}.xml`}`;

/** What the batch page reads (one snapshot): shop names, statements, SEPA files, holds. */
export interface BatchPageReads {
  shops: Map<string, string>;
  statements: Statement[];
  /** A batch settled before files were recorded: the file 1 it will record (same bytes). */
  implicit: { head: Pick<SepaFile, 'seq' | 'messageId' | 'createdAt'> } | null;
  files: SepaFile[];
  holds: SettlementHold[];
}

export function batchDetailView(reads: BatchPageReads, batch: SettlementBatch, locale: string, t: T) {
  const { shops, statements: rows, implicit } = reads;
  const recorded = implicit ? [{ ...implicit.head, executedAt: null }] : reads.files;
  const fileOf = (s: (typeof rows)[number]) => (implicit && s.method === 'sepa' ? 1 : s.sepaFileSeq);
  const statements = rows.map((s) => ({
    ...s,
    shop: shops.get(s.merchantId) ?? s.merchantId,
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
  const holds = reads.holds.map((h) => ({ ...h, shop: shops.get(h.merchantId) ?? h.merchantId, reasonLabel: t(`operator.settlements.hold_${h.reason}`) }));
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
