import { sqliteOf, type Tx } from '../../../db/client';
import { campaignNeedles, redactedColumns, type CampaignPerson } from './campaign-redaction';

/**
 * Where a person's data live, found by their email address (how buyers, beneficiaries,
 * recipients and organisation contacts are known to us), and the statements that erase
 * them. SQL only here; what to erase and why is decided in personal-data-service.ts.
 */

/** What an erased name reads as; an erased email is `erased-<row id>@erased.invalid` (RFC 2606: never deliverable, unique per row). */
export const ERASED_NAME = '[effacé]';
export const ERASED_DOMAIN = 'erased.invalid';
export const erasedEmail = (rowId: string) => `erased-${rowId.toLowerCase()}@${ERASED_DOMAIN}`;

export interface BuyerOrderRow {
  id: string;
  reference: string;
  campaign: string;
  status: string;
  buyerType: string;
  buyerName: string;
  buyerEmail: string;
  organisation: string | null;
  contactPhone: string | null;
  totalCents: number;
  createdAt: string;
}
export interface RecipientItemRow {
  id: string;
  orderId: string;
  orderReference: string;
  recipientName: string | null;
  message: string | null;
  amountCents: number;
  quantity: number;
}
export interface RecipientVoucherRow {
  id: string;
  orderId: string;
  codeEnd: string;
  recipientName: string | null;
  message: string | null;
  amountCents: number;
  balanceCents: number;
  status: string;
  expiresAt: string;
}
export interface OrganisationContactRow {
  id: string;
  name: string;
  siret: string;
  contactName: string;
  createdAt: string;
}
export interface MessageRow {
  id: string;
  kind: string;
  status: string;
  createdAt: string;
  sentAt: string | null;
}
export interface KeptInvoiceRow {
  number: string;
  kind: string;
  issuedAt: string;
  orderReference: string;
}

const norm = (email: string) => email.trim().toLowerCase();
// Lookups by email compare lower(trim(column)): each has that expression index (migration 0027);
// on order_items and vouchers a partial one, so those queries say « IS NOT NULL » too.

export function buyerOrders(tx: Tx, email: string): BuyerOrderRow[] {
  return sqliteOf(tx)
    .prepare(
      `SELECT o.id, o.reference, c.slug AS campaign, o.status, o.buyer_type AS buyerType, o.buyer_name AS buyerName, o.buyer_email AS buyerEmail,
              o.organisation, o.contact_phone AS contactPhone, o.total_cents AS totalCents, o.created_at AS createdAt
         FROM orders o JOIN campaigns c ON c.id = o.campaign_id WHERE lower(trim(o.buyer_email)) = ? ORDER BY o.created_at`,
    )
    .all(norm(email)) as BuyerOrderRow[];
}

export function recipientItems(tx: Tx, email: string): RecipientItemRow[] {
  return sqliteOf(tx)
    .prepare(
      `SELECT i.id, i.order_id AS orderId, o.reference AS orderReference, i.recipient_name AS recipientName, i.message, i.amount_cents AS amountCents, i.quantity
         FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.recipient_email IS NOT NULL AND lower(trim(i.recipient_email)) = ? ORDER BY o.created_at, i.position`,
    )
    .all(norm(email)) as RecipientItemRow[];
}

export function recipientVouchers(tx: Tx, email: string): RecipientVoucherRow[] {
  return sqliteOf(tx)
    .prepare(
      `SELECT id, order_id AS orderId, substr(code, -4) AS codeEnd, recipient_name AS recipientName, message, amount_cents AS amountCents,
              balance_cents AS balanceCents, status, expires_at AS expiresAt
         FROM vouchers WHERE recipient_email IS NOT NULL AND lower(trim(recipient_email)) = ? ORDER BY issued_at, id`,
    )
    .all(norm(email)) as RecipientVoucherRow[];
}

export function organisationContacts(tx: Tx, email: string): OrganisationContactRow[] {
  return sqliteOf(tx)
    .prepare(`SELECT id, name, siret, contact_name AS contactName, created_at AS createdAt FROM organisations WHERE lower(trim(contact_email)) = ? ORDER BY created_at`)
    .all(norm(email)) as OrganisationContactRow[];
}

export function messagesTo(tx: Tx, email: string): MessageRow[] {
  return sqliteOf(tx)
    .prepare(`SELECT id, kind, status, created_at AS createdAt, sent_at AS sentAt FROM outbox_messages WHERE lower(trim(recipient)) = ? ORDER BY created_at`)
    .all(norm(email)) as MessageRow[];
}

/** Invoices and credit notes of these orders: kept as issued (legal retention), whatever is erased. */
export function invoicesOf(tx: Tx, orderIds: readonly string[]): KeptInvoiceRow[] {
  if (orderIds.length === 0) return [];
  return sqliteOf(tx)
    .prepare(
      `SELECT i.number, i.kind, i.issued_at AS issuedAt, o.reference AS orderReference FROM invoices i JOIN orders o ON o.id = i.order_id
        WHERE i.order_id IN (SELECT value FROM json_each(?)) ORDER BY i.issued_at, i.number`,
    )
    .all(JSON.stringify(orderIds)) as KeptInvoiceRow[];
}

/**
 * The buyer's identity on these orders replaced by a pseudonym: name, email, phone, and the
 * organisation-page confirmation secret. The organisation's own name, SIRET and billing
 * address stay (a legal person's data, on its invoices). Amounts, statuses and links are untouched.
 */
export function pseudonymiseBuyers(tx: Tx, orderIds: readonly string[], now: Date): number {
  if (orderIds.length === 0) return 0;
  return sqliteOf(tx)
    .prepare(
      `UPDATE orders SET buyer_name = ?, buyer_email = 'erased-' || lower(id) || '@${ERASED_DOMAIN}', contact_phone = NULL,
              organisation_confirm_hash = NULL, personal_data_erased_at = coalesce(personal_data_erased_at, ?)
        WHERE id IN (SELECT value FROM json_each(?))`,
    )
    .run(ERASED_NAME, now.toISOString(), JSON.stringify(orderIds)).changes;
}

/** Recipients (beneficiaries of a town or employer list, gift recipients) of these order lines and their vouchers forgotten. */
export function clearRecipientsOfItems(tx: Tx, itemIds: readonly string[]): number {
  if (itemIds.length === 0) return 0;
  const ids = JSON.stringify(itemIds);
  const s = sqliteOf(tx);
  const items = s.prepare(`UPDATE order_items SET recipient_name = NULL, recipient_email = NULL, message = NULL WHERE id IN (SELECT value FROM json_each(?))`).run(ids).changes;
  // vouchers has no index on order_item_id: reach the lines' vouchers through their orders' index.
  s.prepare(
    `UPDATE vouchers SET recipient_name = NULL, recipient_email = NULL, message = NULL
      WHERE order_id IN (SELECT order_id FROM order_items WHERE id IN (SELECT value FROM json_each(@ids))) AND order_item_id IN (SELECT value FROM json_each(@ids))`,
  ).run({ ids });
  return items;
}

/** Vouchers sent to this address (a line may hold several recipients' vouchers) forgotten one by one. */
export function clearRecipientVouchers(tx: Tx, voucherIds: readonly string[]): number {
  if (voucherIds.length === 0) return 0;
  return sqliteOf(tx).prepare(`UPDATE vouchers SET recipient_name = NULL, recipient_email = NULL, message = NULL WHERE id IN (SELECT value FROM json_each(?))`).run(JSON.stringify(voucherIds)).changes;
}

/**
 * Gifts (voucher_gifts, issue 15) sent to this address, or ordered in these orders: the
 * recipient's address becomes a pseudonym, their name and the buyer's message go. The row
 * stays (its outbox message and the voucher keep their links).
 */
export function forgetGifts(tx: Tx, by: { email?: string; orderIds?: readonly string[]; campaignId?: string }): number {
  const s = sqliteOf(tx);
  const set = `UPDATE voucher_gifts SET recipient_email = 'erased-' || lower(id) || '@${ERASED_DOMAIN}', recipient_name = NULL, message = NULL`;
  let n = 0;
  if (by.email) n += s.prepare(`${set} WHERE lower(trim(recipient_email)) = ?`).run(norm(by.email)).changes;
  if (by.orderIds?.length) n += s.prepare(`${set} WHERE order_id IN (SELECT value FROM json_each(?))`).run(JSON.stringify(by.orderIds)).changes;
  if (by.campaignId) n += s.prepare(`${set} WHERE order_id IN (SELECT id FROM orders WHERE campaign_id = ?)`).run(by.campaignId).changes;
  return n;
}

export function pseudonymiseOrganisationContacts(tx: Tx, organisationIds: readonly string[]): number {
  if (organisationIds.length === 0) return 0;
  return sqliteOf(tx)
    .prepare(`UPDATE organisations SET contact_name = ?, contact_email = 'erased-' || lower(id) || '@${ERASED_DOMAIN}', next_access_token_hash = NULL WHERE id IN (SELECT value FROM json_each(?))`)
    .run(ERASED_NAME, JSON.stringify(organisationIds)).changes;
}

/**
 * Mail to this address: the address replaced, those not sent yet given up (the person asked
 * to be forgotten, or the campaign is long over), the payload and error text redacted below.
 */
export function forgetMessagesTo(tx: Tx, email: string, now: Date): number {
  const s = sqliteOf(tx);
  const e = norm(email);
  s.prepare(`UPDATE outbox_messages SET status = 'failed', lease_until = NULL, last_error = 'personal data erased', next_attempt_at = ? WHERE lower(trim(recipient)) = ? AND status IN ('pending', 'sending')`).run(now.toISOString(), e);
  return s.prepare(`UPDATE outbox_messages SET recipient = 'erased@${ERASED_DOMAIN}' WHERE lower(trim(recipient)) = ?`).run(e).changes;
}

/** Mail about a campaign's orders and vouchers (retention): same as forgetMessagesTo, by what they are about. */
export function forgetCampaignMessages(tx: Tx, campaignId: string, now: Date): number {
  const s = sqliteOf(tx);
  const about = `(json_extract(payload, '$.orderId') IN (SELECT id FROM orders WHERE campaign_id = @c)
               OR json_extract(payload, '$.voucherId') IN (SELECT id FROM vouchers WHERE campaign_id = @c))`;
  s.prepare(`UPDATE outbox_messages SET status = 'failed', lease_until = NULL, last_error = 'personal data erased', next_attempt_at = @now WHERE status IN ('pending', 'sending') AND json_valid(payload) AND ${about}`).run({ c: campaignId, now: now.toISOString() });
  return s.prepare(`UPDATE outbox_messages SET recipient = 'erased@${ERASED_DOMAIN}' WHERE json_valid(payload) AND ${about}`).run({ c: campaignId }).changes;
}

/**
 * Every occurrence of `needles` (an email, a name) replaced by ERASED_NAME in the audit log's
 * texts and the outbox's payloads and errors. `everywhere` needles (an email address: it names
 * one person) are replaced in every row; the others (a name, which others may share) only in the
 * audit entries about `entityIds` and the mail sent to the erased address. Returns rows changed.
 */
export function redactTexts(tx: Tx, needles: { everywhere: readonly string[]; scoped: readonly string[] }, entityIds: readonly string[]): number {
  const s = sqliteOf(tx);
  let changed = 0;
  const audit = (scope: string) =>
    s.prepare(
      `UPDATE audit_log SET before = replace(before, @n, @x), after = replace(after, @n, @x), reason = replace(reason, @n, @x), entity_id = replace(entity_id, @n, @x)
        WHERE (instr(coalesce(before, ''), @n) > 0 OR instr(coalesce(after, ''), @n) > 0 OR instr(coalesce(reason, ''), @n) > 0 OR instr(entity_id, @n) > 0) ${scope}`,
    );
  const outbox = (scope: string) =>
    s.prepare(
      `UPDATE outbox_messages SET payload = replace(payload, @n, @x), last_error = replace(last_error, @n, @x), recipient = replace(recipient, @n, @x)
        WHERE (instr(payload, @n) > 0 OR instr(coalesce(last_error, ''), @n) > 0 OR instr(recipient, @n) > 0) ${scope}`,
    );
  const ids = JSON.stringify(entityIds);
  for (const n of needles.everywhere) {
    changed += audit('').run({ n, x: ERASED_NAME }).changes;
    changed += outbox('').run({ n, x: ERASED_NAME }).changes;
  }
  for (const n of needles.scoped) {
    changed += audit('AND entity_id IN (SELECT value FROM json_each(@ids))').run({ n, x: ERASED_NAME, ids }).changes;
    changed += outbox(`AND recipient LIKE '%@${ERASED_DOMAIN}'`).run({ n, x: ERASED_NAME }).changes;
  }
  // Free text typed about these orders (gift messages, support notes, cancel and refund reasons).
  // Movements' reasons are accounting entries and stay as booked (docs/personal-data.md).
  for (const n of [...needles.everywhere, ...needles.scoped]) {
    for (const [table, column, key] of FREE_TEXT) {
      changed += s
        .prepare(`UPDATE ${table} SET ${column} = replace(${column}, @n, @x) WHERE instr(coalesce(${column}, ''), @n) > 0 AND ${key} IN (SELECT value FROM json_each(@ids))`)
        .run({ n, x: ERASED_NAME, ids }).changes;
    }
  }
  return changed;
}

/** Free-text columns written about an order (table, column, the order's id column). */
export const FREE_TEXT: readonly (readonly [string, string, string])[] = [
  ['order_items', 'message', 'order_id'],
  ['vouchers', 'message', 'order_id'],
  ['vouchers', 'block_reason', 'order_id'],
  ['orders', 'cancel_reason', 'id'],
  ['orders', 'review_reason', 'id'],
  ['refunds', 'reason', 'order_id'],
  ['refunds', 'failure_reason', 'order_id'],
];

/** The vouchers of these orders (their audit entries are about the order's people too). */
export function voucherIdsOfOrders(tx: Tx, orderIds: readonly string[]): string[] {
  if (orderIds.length === 0) return [];
  return sqliteOf(tx).prepare(`SELECT id FROM vouchers WHERE order_id IN (SELECT value FROM json_each(?))`).pluck().all(JSON.stringify(orderIds)) as string[];
}

/**
 * A campaign's retention: the people of each row redacted from the texts about it
 * (campaign-redaction.ts says how), read once per table and rewritten in JavaScript.
 * Runs before the pseudonymisation (it reads the names). Returns the rows changed.
 */
export function redactCampaignTexts(tx: Tx, campaignId: string): number {
  const s = sqliteOf(tx);
  const buyers = s.prepare(`SELECT id, id AS orderId, buyer_email AS email, buyer_name AS name FROM orders WHERE campaign_id = @c AND personal_data_erased_at IS NULL`).all({ c: campaignId }) as CampaignPerson[];
  const needles = campaignNeedles(
    buyers,
    s.prepare(`SELECT id, order_id AS orderId, recipient_email AS email, recipient_name AS name FROM vouchers WHERE campaign_id = @c AND (recipient_email IS NOT NULL OR recipient_name IS NOT NULL)`).all({ c: campaignId }) as CampaignPerson[],
    s.prepare(`SELECT i.id, i.order_id AS orderId, i.recipient_email AS email, i.recipient_name AS name FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.campaign_id = @c AND (i.recipient_email IS NOT NULL OR i.recipient_name IS NOT NULL)`).all({ c: campaignId }) as CampaignPerson[],
  );

  let changed = 0;
  const rewrite = (select: string, update: string, columns: readonly string[]) => {
    const write = s.prepare(update);
    // all(), not iterate(): better-sqlite3 refuses a write while a read is open on the connection.
    for (const row of s.prepare(select).all({ c: campaignId }) as Record<string, string | null>[]) {
      const next = redactedColumns(row, needles, columns);
      if (next) changed += write.run({ ...next, rowId: row.rowId }).changes;
    }
  };
  rewrite(
    `SELECT a.id AS rowId, a.before, a.after, a.reason, CASE WHEN v.id IS NOT NULL THEN 'v:' || v.id ELSE 'o:' || o.id END AS key, 'o:' || coalesce(o.id, v.order_id) AS orderKey
       FROM audit_log a
       LEFT JOIN orders o ON a.entity_type = 'order' AND o.id = a.entity_id AND o.campaign_id = @c
       LEFT JOIN vouchers v ON a.entity_type = 'voucher' AND v.id = a.entity_id AND v.campaign_id = @c
      WHERE a.entity_type IN ('order', 'voucher') AND (o.id IS NOT NULL OR v.id IS NOT NULL)`,
    `UPDATE audit_log SET before = @before, after = @after, reason = @reason WHERE id = @rowId`,
    ['before', 'after', 'reason'],
  );
  rewrite(
    `SELECT m.id AS rowId, m.payload, m.last_error AS lastError, CASE WHEN v.id IS NOT NULL THEN 'v:' || v.id ELSE 'o:' || o.id END AS key, 'o:' || coalesce(o.id, v.order_id) AS orderKey
       FROM outbox_messages m
       LEFT JOIN orders o ON json_valid(m.payload) AND o.id = json_extract(m.payload, '$.orderId') AND o.campaign_id = @c
       LEFT JOIN vouchers v ON json_valid(m.payload) AND v.id = json_extract(m.payload, '$.voucherId') AND v.campaign_id = @c
      WHERE o.id IS NOT NULL OR v.id IS NOT NULL`,
    `UPDATE outbox_messages SET payload = @payload, last_error = @lastError WHERE id = @rowId`,
    ['payload', 'lastError'],
  );
  for (const [table, column, key] of FREE_TEXT) {
    const orderOf = key === 'id' ? 't.id' : `t.${key}`;
    const own = table === 'vouchers' ? `'v:' || t.id` : table === 'order_items' ? `'i:' || t.id` : `'o:' || ${orderOf}`;
    rewrite(
      `SELECT t.rowid AS rowId, t.${column} AS text, ${own} AS key, 'o:' || ${orderOf} AS orderKey FROM ${table} t JOIN orders o ON o.id = ${orderOf} WHERE o.campaign_id = @c AND t.${column} IS NOT NULL`,
      `UPDATE ${table} SET ${column} = @text WHERE rowid = @rowId`,
      ['text'],
    );
  }
  return changed;
}
