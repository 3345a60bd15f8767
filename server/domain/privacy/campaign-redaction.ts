import { ERASED_DOMAIN, ERASED_NAME } from './personal-data-repository';

/**
 * A campaign's retention redacts the people of each row from the texts about it (audit
 * entries, notes, mail): a voucher's by its recipient's and its buyer's name and email, an
 * order's by all of its people. The rows are read once per table and rewritten here, in
 * JavaScript, on both backends (personal-data-repository.ts, retention-store-pg.ts), so a
 * campaign of 10 000 beneficiaries is a few scans, not 10 000 names tried on every row. Pure.
 */
export interface CampaignPerson {
  id: string;
  orderId: string;
  email: string | null;
  name: string | null;
}

/** Names and emails worth searching for in free text (a short name would blank ordinary words). */
const worthRedacting = (v: string | null): v is string => !!v && v.trim().length >= 3 && !v.startsWith('[') && !v.endsWith(`@${ERASED_DOMAIN}`);

/**
 * What to look for in each row, by key: `o:<order id>`, `v:<voucher id>`, `i:<order line id>`;
 * longest first (« Marie Dupont » before « Marie »).
 */
export function campaignNeedles(buyers: readonly CampaignPerson[], voucherRecipients: readonly CampaignPerson[], itemRecipients: readonly CampaignPerson[]): Map<string, string[]> {
  const needles = new Map<string, string[]>();
  const add = (key: string, ...values: (string | null)[]) => {
    const list = needles.get(key) ?? [];
    for (const v of values) if (worthRedacting(v) && !list.includes(v.trim())) list.push(v.trim());
    needles.set(key, list);
  };
  for (const b of buyers) add(`o:${b.id}`, b.email, b.name);
  const buyerOf = (orderId: string) => needles.get(`o:${orderId}`)?.slice() ?? [];
  const recipients = [['v', voucherRecipients], ['i', itemRecipients]] as const;
  // A recipient's own rows: their name and address and the buyer's.
  for (const [kind, rows] of recipients) for (const r of rows) add(`${kind}:${r.id}`, ...buyerOf(r.orderId), r.email, r.name);
  // An order's rows: everyone on it.
  for (const [, rows] of recipients) for (const r of rows) add(`o:${r.orderId}`, r.email, r.name);
  for (const list of needles.values()) list.sort((a, b) => b.length - a.length);
  return needles;
}

function redactWith(text: string | null, needles: readonly string[]): string | null {
  if (text == null) return text;
  let out = text;
  for (const n of needles) if (out.includes(n)) out = out.split(n).join(ERASED_NAME);
  return out;
}

/**
 * A row's `columns` redacted with the needles of its own key (or else of its order), or null
 * when nothing in it changes (no write).
 */
export function redactedColumns(row: Record<string, string | null>, needles: Map<string, string[]>, columns: readonly string[]): Record<string, string | null> | null {
  const list = needles.get(row.key!) ?? (row.orderKey ? needles.get(row.orderKey) : undefined) ?? [];
  if (list.length === 0) return null;
  const next = Object.fromEntries(columns.map((c) => [c, redactWith(row[c] ?? null, list)]));
  return columns.some((c) => next[c] !== row[c]) ? next : null;
}
