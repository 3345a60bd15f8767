import type { PgUnit } from '../../../db/pg-write-behind';
import type { Step } from '../../../db/unit-of-work';
import { campaignNeedles, redactedColumns, type CampaignPerson } from './campaign-redaction';
import { ERASED_DOMAIN, FREE_TEXT } from './personal-data-repository';
import type { PersonalDataStore } from './personal-data-store';
import type { CampaignRetention, RetentionCandidate } from './retention-repository';

type RetentionPart = Pick<
  PersonalDataStore,
  'retentionCandidates' | 'campaignRetentions' | 'campaignIdBySlug' | 'setRetentionMonths' | 'campaignStillToErase' | 'campaignPeople' | 'redactCampaignTexts' | 'forgetCampaignMessages' | 'markCampaignErased'
>;

type Row = Record<string, string | null>;

/** The JSON text's string value under `key` when it is a JSON object holding one (SQLite: json_valid and json_extract). */
function idIn(payload: string, key: 'orderId' | 'voucherId'): string | null {
  try {
    const v: unknown = JSON.parse(payload);
    const id = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/**
 * A campaign's retention on PostgreSQL (see retention-repository.ts and the campaign part of
 * personal-data-repository.ts). PostgreSQL 15 has no safe JSON test on text (`IS JSON` is 16):
 * the outbox messages about the campaign are found by parsing their payloads here — a text
 * pre-filter on the key first — where SQLite uses json_valid and json_extract. The campaign row
 * is locked while it is erased, so two runs (the job and `cli personal-data retention-run`)
 * never erase it twice.
 */
export function pgRetentionStore(unit: PgUnit): RetentionPart {
  function* rows<R>(name: string, text: string, values: unknown[]): Step<R[]> {
    return (yield* unit.query<R>(name, text, values)).rows;
  }

  /** The outbox messages about the campaign's orders and vouchers, with the key of what each is about. */
  function* campaignMessages(campaignId: string): Step<(Row & { id: string; key: string; orderKey: string })[]> {
    const orders = new Set((yield* rows<{ id: string }>('pd_campaign_order_ids', `SELECT id FROM orders WHERE campaign_id = $1`, [campaignId])).map((r) => r.id));
    const vouchers = new Map((yield* rows<{ id: string; orderId: string }>('pd_campaign_voucher_ids', `SELECT id, order_id AS "orderId" FROM vouchers WHERE campaign_id = $1`, [campaignId])).map((r) => [r.id, r.orderId]));
    const candidates = yield* rows<{ id: string; payload: string; lastError: string | null }>(
      'pd_messages_with_ids',
      `SELECT id, payload, last_error AS "lastError" FROM outbox_messages WHERE strpos(payload, 'orderId') > 0 OR strpos(payload, 'voucherId') > 0`,
      [],
    );
    const out: (Row & { id: string; key: string; orderKey: string })[] = [];
    for (const m of candidates) {
      const orderId = idIn(m.payload, 'orderId');
      const voucherId = idIn(m.payload, 'voucherId');
      const o = orderId !== null && orders.has(orderId) ? orderId : null;
      const v = voucherId !== null && vouchers.has(voucherId) ? voucherId : null;
      if (o === null && v === null) continue;
      out.push({ id: m.id, payload: m.payload, lastError: m.lastError, key: v !== null ? `v:${v}` : `o:${o}`, orderKey: `o:${o ?? vouchers.get(v!)}` });
    }
    return out;
  }

  return {
    retentionCandidates: () =>
      rows<RetentionCandidate>(
        'pd_retention_candidates',
        `SELECT c.id, c.slug, c.name, coalesce(c.closed_at, c.ends_at, c.created_at) AS "closedAt", c.personal_data_retention_months AS "retentionMonths",
                (SELECT max(v.expires_at COLLATE "C") FROM vouchers v WHERE v.campaign_id = c.id) AS "lastExpiry"
           FROM campaigns c WHERE c.status = 'closed' AND c.personal_data_erased_at IS NULL ORDER BY c.slug COLLATE "C"`,
        [],
      ),
    campaignRetentions: () =>
      rows<CampaignRetention>(
        'pd_campaign_retentions',
        `SELECT c.slug, c.name, c.status, c.personal_data_retention_months AS "retentionMonths", c.closed_at AS "closedAt", c.personal_data_erased_at AS "erasedAt",
                (SELECT max(v.expires_at COLLATE "C") FROM vouchers v WHERE v.campaign_id = c.id) AS "lastExpiry"
           FROM campaigns c ORDER BY c.created_at COLLATE "C", c.slug COLLATE "C"`,
        [],
      ),
    *campaignIdBySlug(slug) {
      return (yield* rows<{ id: string; retentionMonths: number }>('pd_campaign_by_slug', `SELECT id, personal_data_retention_months AS "retentionMonths" FROM campaigns WHERE slug = $1 FOR UPDATE`, [slug]))[0];
    },
    *setRetentionMonths(id, months) {
      yield* unit.query('pd_set_retention', `UPDATE campaigns SET personal_data_retention_months = $1 WHERE id = $2`, [months, id]);
    },
    *campaignStillToErase(id) {
      return (yield* rows('pd_campaign_to_erase', `SELECT id FROM campaigns WHERE id = $1 AND personal_data_erased_at IS NULL FOR UPDATE`, [id])).length > 0;
    },
    *campaignPeople(c) {
      const ids = (name: string, text: string) => rows<{ id: string }>(name, text, [c]);
      const orderIds = (yield* ids('pd_campaign_orders', `SELECT id FROM orders WHERE campaign_id = $1 AND personal_data_erased_at IS NULL`)).map((r) => r.id);
      const itemIds = (yield* ids('pd_campaign_items', `SELECT i.id FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.campaign_id = $1 AND (i.recipient_name IS NOT NULL OR i.recipient_email IS NOT NULL OR i.message IS NOT NULL)`)).map((r) => r.id);
      const organisationIds = (yield* ids(
        'pd_campaign_organisations',
        `SELECT DISTINCT o.organisation_id AS id FROM orders o WHERE o.campaign_id = $1 AND o.organisation_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM orders x WHERE x.organisation_id = o.organisation_id AND x.campaign_id <> $1 AND x.personal_data_erased_at IS NULL)`,
      )).map((r) => r.id);
      return { orderIds, itemIds, organisationIds };
    },
    *redactCampaignTexts(c) {
      const needles = campaignNeedles(
        yield* rows<CampaignPerson>('pd_campaign_buyers', `SELECT id, id AS "orderId", buyer_email AS email, buyer_name AS name FROM orders WHERE campaign_id = $1 AND personal_data_erased_at IS NULL`, [c]),
        yield* rows<CampaignPerson>('pd_campaign_voucher_people', `SELECT id, order_id AS "orderId", recipient_email AS email, recipient_name AS name FROM vouchers WHERE campaign_id = $1 AND (recipient_email IS NOT NULL OR recipient_name IS NOT NULL)`, [c]),
        yield* rows<CampaignPerson>(
          'pd_campaign_item_people',
          `SELECT i.id, i.order_id AS "orderId", i.recipient_email AS email, i.recipient_name AS name FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.campaign_id = $1 AND (i.recipient_email IS NOT NULL OR i.recipient_name IS NOT NULL)`,
          [c],
        ),
      );
      let changed = 0;
      /** The rows whose columns change, written back in one statement per table (unnest of the new values). */
      function* rewrite(name: string, read: Row[], columns: readonly string[], update: string): Step<void> {
        const ids: unknown[] = [];
        const values: (string | null)[][] = columns.map(() => []);
        for (const row of read) {
          const next = redactedColumns(row, needles, columns);
          if (!next) continue;
          ids.push(row.rowId);
          columns.forEach((col, i) => values[i]!.push(next[col] ?? null));
        }
        if (ids.length) changed += (yield* unit.query(name, update, [ids, ...values])).rowCount;
      }
      const audit = yield* rows<Row>(
        'pd_campaign_audit',
        `SELECT a.id::text AS "rowId", a.before, a.after, a.reason, CASE WHEN v.id IS NOT NULL THEN 'v:' || v.id ELSE 'o:' || o.id END AS key, 'o:' || coalesce(o.id, v.order_id) AS "orderKey"
           FROM audit_log a
           LEFT JOIN orders o ON a.entity_type = 'order' AND o.id = a.entity_id AND o.campaign_id = $1
           LEFT JOIN vouchers v ON a.entity_type = 'voucher' AND v.id = a.entity_id AND v.campaign_id = $1
          WHERE a.entity_type IN ('order', 'voucher') AND (o.id IS NOT NULL OR v.id IS NOT NULL)`,
        [c],
      );
      yield* rewrite(
        'pd_campaign_audit_write',
        audit,
        ['before', 'after', 'reason'],
        `UPDATE audit_log a SET before = u.before, after = u.after, reason = u.reason FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS u(id, before, after, reason) WHERE a.id = u.id`,
      );
      const messages = (yield* campaignMessages(c)).map((m) => ({ ...m, rowId: m.id }));
      yield* rewrite(
        'pd_campaign_outbox_write',
        messages,
        ['payload', 'lastError'],
        `UPDATE outbox_messages m SET payload = u.payload, last_error = u.last_error FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, payload, last_error) WHERE m.id = u.id`,
      );
      for (const [table, column, key] of FREE_TEXT) {
        const orderOf = key === 'id' ? 't.id' : `t.${key}`;
        const own = table === 'vouchers' ? `'v:' || t.id` : table === 'order_items' ? `'i:' || t.id` : `'o:' || ${orderOf}`;
        const read = yield* rows<Row>(
          `pd_campaign_${table}_${column}`,
          `SELECT t.id AS "rowId", t.${column} AS text, ${own} AS key, 'o:' || ${orderOf} AS "orderKey" FROM ${table} t JOIN orders o ON o.id = ${orderOf} WHERE o.campaign_id = $1 AND t.${column} IS NOT NULL`,
          [c],
        );
        yield* rewrite(`pd_campaign_${table}_${column}_write`, read, ['text'], `UPDATE ${table} t SET ${column} = u.text FROM unnest($1::text[], $2::text[]) AS u(id, text) WHERE t.id = u.id`);
      }
      return changed;
    },
    *forgetCampaignMessages(c, now) {
      const ids = (yield* campaignMessages(c)).map((m) => m.id);
      if (ids.length === 0) return 0;
      yield* unit.query(
        'pd_campaign_give_up_messages',
        `UPDATE outbox_messages SET status = 'failed', lease_until = NULL, last_error = 'personal data erased', next_attempt_at = $1 WHERE status IN ('pending', 'sending') AND id = ANY($2::text[])`,
        [now.toISOString(), ids],
      );
      return (yield* unit.query('pd_campaign_readdress_messages', `UPDATE outbox_messages SET recipient = 'erased@${ERASED_DOMAIN}' WHERE id = ANY($1::text[])`, [ids])).rowCount;
    },
    *markCampaignErased(id, now) {
      yield* unit.query('pd_mark_campaign_erased', `UPDATE campaigns SET personal_data_erased_at = $1 WHERE id = $2`, [now.toISOString(), id]);
    },
  };
}
