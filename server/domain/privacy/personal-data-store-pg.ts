import type { PgUnit } from '../../../db/pg-write-behind';
import type { Step } from '../../../db/unit-of-work';
import { pgAudit } from '../audit/audit-log-pg';
import { ERASED_DOMAIN, ERASED_NAME, FREE_TEXT, type BuyerOrderRow, type KeptInvoiceRow, type MessageRow, type OrganisationContactRow, type RecipientItemRow, type RecipientVoucherRow } from './personal-data-repository';
import type { PersonalDataStore } from './personal-data-store';
import { pgRetentionStore } from './retention-store-pg';

const norm = (email: string) => email.trim().toLowerCase();
// As on SQLite: lookups by email compare lower(trim(column)), the expression PostgreSQL's
// indexes are on too; text ordered COLLATE "C" (SQLite's byte order), ties by id.

/**
 * A data subject's request on PostgreSQL (see personal-data-store.ts): the statements of
 * personal-data-repository.ts, lists as `= ANY($n::text[])` where SQLite uses json_each,
 * every statement on the unit's connection (one transaction), the audit entry held until
 * the next statement — so the redaction that follows reaches it, as on SQLite.
 */
export function pgPersonalDataStore(unit: PgUnit): PersonalDataStore {
  function* rows<R>(name: string, text: string, values: unknown[]): Step<R[]> {
    return (yield* unit.query<R>(name, text, values)).rows;
  }
  function* changes(name: string, text: string, values: unknown[]): Step<number> {
    return (yield* unit.query(name, text, values)).rowCount;
  }
  const setGift = `UPDATE voucher_gifts SET recipient_email = 'erased-' || lower(id) || '@${ERASED_DOMAIN}', recipient_name = NULL, message = NULL`;
  const auditSet = `UPDATE audit_log SET before = replace(before, $1, $2), after = replace(after, $1, $2), reason = replace(reason, $1, $2), entity_id = replace(entity_id, $1, $2)
     WHERE (strpos(coalesce(before, ''), $1) > 0 OR strpos(coalesce(after, ''), $1) > 0 OR strpos(coalesce(reason, ''), $1) > 0 OR strpos(entity_id, $1) > 0)`;
  const outboxSet = `UPDATE outbox_messages SET payload = replace(payload, $1, $2), last_error = replace(last_error, $1, $2), recipient = replace(recipient, $1, $2)
     WHERE (strpos(payload, $1) > 0 OR strpos(coalesce(last_error, ''), $1) > 0 OR strpos(recipient, $1) > 0)`;
  return {
    ...pgRetentionStore(unit),
    audit: pgAudit(unit),
    buyerOrders: (email) =>
      rows<BuyerOrderRow>(
        'pd_buyer_orders',
        `SELECT o.id, o.reference, c.slug AS campaign, o.status, o.buyer_type AS "buyerType", o.buyer_name AS "buyerName", o.buyer_email AS "buyerEmail",
                o.organisation, o.contact_phone AS "contactPhone", o.total_cents AS "totalCents", o.created_at AS "createdAt"
           FROM orders o JOIN campaigns c ON c.id = o.campaign_id WHERE lower(trim(o.buyer_email)) = $1 ORDER BY o.created_at COLLATE "C", o.id COLLATE "C"`,
        [norm(email)],
      ),
    recipientItems: (email) =>
      rows<RecipientItemRow>(
        'pd_recipient_items',
        `SELECT i.id, i.order_id AS "orderId", o.reference AS "orderReference", i.recipient_name AS "recipientName", i.message, i.amount_cents AS "amountCents", i.quantity
           FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.recipient_email IS NOT NULL AND lower(trim(i.recipient_email)) = $1
          ORDER BY o.created_at COLLATE "C", i.position, i.id COLLATE "C"`,
        [norm(email)],
      ),
    recipientVouchers: (email) =>
      rows<RecipientVoucherRow>(
        'pd_recipient_vouchers',
        `SELECT id, order_id AS "orderId", right(code, 4) AS "codeEnd", recipient_name AS "recipientName", message, amount_cents AS "amountCents",
                balance_cents AS "balanceCents", status, expires_at AS "expiresAt"
           FROM vouchers WHERE recipient_email IS NOT NULL AND lower(trim(recipient_email)) = $1 ORDER BY issued_at COLLATE "C", id COLLATE "C"`,
        [norm(email)],
      ),
    organisationContacts: (email) =>
      rows<OrganisationContactRow>(
        'pd_organisation_contacts',
        `SELECT id, name, siret, contact_name AS "contactName", created_at AS "createdAt" FROM organisations WHERE lower(trim(contact_email)) = $1 ORDER BY created_at COLLATE "C", id COLLATE "C"`,
        [norm(email)],
      ),
    messagesTo: (email) =>
      rows<MessageRow>(
        'pd_messages_to',
        `SELECT id, kind, status, created_at AS "createdAt", sent_at AS "sentAt" FROM outbox_messages WHERE lower(trim(recipient)) = $1 ORDER BY created_at COLLATE "C", id COLLATE "C"`,
        [norm(email)],
      ),
    *invoicesOf(orderIds) {
      if (orderIds.length === 0) return [];
      return yield* rows<KeptInvoiceRow>(
        'pd_invoices_of',
        `SELECT i.number, i.kind, i.issued_at AS "issuedAt", o.reference AS "orderReference" FROM invoices i JOIN orders o ON o.id = i.order_id
          WHERE i.order_id = ANY($1::text[]) ORDER BY i.issued_at COLLATE "C", i.number COLLATE "C"`,
        [orderIds],
      );
    },
    *voucherIdsOfOrders(orderIds) {
      if (orderIds.length === 0) return [];
      return (yield* rows<{ id: string }>('pd_voucher_ids_of_orders', `SELECT id FROM vouchers WHERE order_id = ANY($1::text[])`, [orderIds])).map((r) => r.id);
    },
    *pseudonymiseBuyers(orderIds, now) {
      if (orderIds.length === 0) return 0;
      return yield* changes(
        'pd_pseudonymise_buyers',
        `UPDATE orders SET buyer_name = $1, buyer_email = 'erased-' || lower(id) || '@${ERASED_DOMAIN}', contact_phone = NULL,
                organisation_confirm_hash = NULL, personal_data_erased_at = coalesce(personal_data_erased_at, $2)
          WHERE id = ANY($3::text[])`,
        [ERASED_NAME, now.toISOString(), orderIds],
      );
    },
    *clearRecipientsOfItems(itemIds) {
      if (itemIds.length === 0) return 0;
      const items = yield* changes('pd_clear_items', `UPDATE order_items SET recipient_name = NULL, recipient_email = NULL, message = NULL WHERE id = ANY($1::text[])`, [itemIds]);
      yield* changes(
        'pd_clear_items_vouchers',
        `UPDATE vouchers SET recipient_name = NULL, recipient_email = NULL, message = NULL
          WHERE order_id IN (SELECT order_id FROM order_items WHERE id = ANY($1::text[])) AND order_item_id = ANY($1::text[])`,
        [itemIds],
      );
      return items;
    },
    *clearRecipientVouchers(voucherIds) {
      if (voucherIds.length === 0) return 0;
      return yield* changes('pd_clear_vouchers', `UPDATE vouchers SET recipient_name = NULL, recipient_email = NULL, message = NULL WHERE id = ANY($1::text[])`, [voucherIds]);
    },
    *forgetGifts(by) {
      let n = 0;
      if (by.email) n += yield* changes('pd_gifts_by_email', `${setGift} WHERE lower(trim(recipient_email)) = $1`, [norm(by.email)]);
      if (by.orderIds?.length) n += yield* changes('pd_gifts_by_orders', `${setGift} WHERE order_id = ANY($1::text[])`, [by.orderIds]);
      if (by.campaignId) n += yield* changes('pd_gifts_by_campaign', `${setGift} WHERE order_id IN (SELECT id FROM orders WHERE campaign_id = $1)`, [by.campaignId]);
      return n;
    },
    *pseudonymiseOrganisationContacts(ids) {
      if (ids.length === 0) return 0;
      return yield* changes(
        'pd_pseudonymise_organisations',
        `UPDATE organisations SET contact_name = $1, contact_email = 'erased-' || lower(id) || '@${ERASED_DOMAIN}', next_access_token_hash = NULL WHERE id = ANY($2::text[])`,
        [ERASED_NAME, ids],
      );
    },
    *forgetMessagesTo(email, now) {
      const e = norm(email);
      yield* changes(
        'pd_give_up_messages_to',
        `UPDATE outbox_messages SET status = 'failed', lease_until = NULL, last_error = 'personal data erased', next_attempt_at = $1 WHERE lower(trim(recipient)) = $2 AND status IN ('pending', 'sending')`,
        [now.toISOString(), e],
      );
      return yield* changes('pd_readdress_messages_to', `UPDATE outbox_messages SET recipient = 'erased@${ERASED_DOMAIN}' WHERE lower(trim(recipient)) = $1`, [e]);
    },
    *redactTexts(needles, entityIds) {
      let changed = 0;
      for (const n of needles.everywhere) {
        changed += yield* changes('pd_redact_audit', auditSet, [n, ERASED_NAME]);
        changed += yield* changes('pd_redact_outbox', outboxSet, [n, ERASED_NAME]);
      }
      for (const n of needles.scoped) {
        changed += yield* changes('pd_redact_audit_scoped', `${auditSet} AND entity_id = ANY($3::text[])`, [n, ERASED_NAME, entityIds]);
        changed += yield* changes('pd_redact_outbox_scoped', `${outboxSet} AND recipient LIKE '%@${ERASED_DOMAIN}'`, [n, ERASED_NAME]);
      }
      // Free text typed about these orders; movements' reasons stay as booked (docs/personal-data.md).
      for (const n of [...needles.everywhere, ...needles.scoped]) {
        for (const [table, column, key] of FREE_TEXT) {
          changed += yield* changes(
            `pd_redact_${table}_${column}`,
            `UPDATE ${table} SET ${column} = replace(${column}, $1, $2) WHERE strpos(coalesce(${column}, ''), $1) > 0 AND ${key} = ANY($3::text[])`,
            [n, ERASED_NAME, entityIds],
          );
        }
      }
      return changed;
    },
  };
}
