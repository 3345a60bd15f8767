CREATE TABLE `campaign_week_totals` (
	`campaign_id` text NOT NULL,
	`week` text NOT NULL,
	`sold_cents` integer DEFAULT 0 NOT NULL,
	`redeemed_cents` integer DEFAULT 0 NOT NULL,
	`expired_cents` integer DEFAULT 0 NOT NULL,
	`cancelled_cents` integer DEFAULT 0 NOT NULL,
	`adjusted_cents` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`campaign_id`, `week`),
	CONSTRAINT "campaign_week_totals_sold_check" CHECK("campaign_week_totals"."sold_cents" >= 0),
	CONSTRAINT "campaign_week_totals_redeemed_check" CHECK("campaign_week_totals"."redeemed_cents" >= 0),
	CONSTRAINT "campaign_week_totals_expired_check" CHECK("campaign_week_totals"."expired_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE `merchant_campaign_totals` (
	`campaign_id` text NOT NULL,
	`merchant_id` text NOT NULL,
	`redemptions` integer DEFAULT 0 NOT NULL,
	`redeemed_cents` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`campaign_id`, `merchant_id`),
	CONSTRAINT "merchant_campaign_totals_redemptions_check" CHECK("merchant_campaign_totals"."redemptions" >= 0),
	CONSTRAINT "merchant_campaign_totals_redeemed_check" CHECK("merchant_campaign_totals"."redeemed_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE `campaign_buyer_totals` (
	`campaign_id` text NOT NULL,
	`buyer_type` text NOT NULL,
	`payment_method` text NOT NULL,
	`orders` integer DEFAULT 0 NOT NULL,
	`vouchers` integer DEFAULT 0 NOT NULL,
	`sold_cents` integer DEFAULT 0 NOT NULL,
	`paid_cents` integer DEFAULT 0 NOT NULL,
	`fees_cents` integer DEFAULT 0 NOT NULL,
	`bonus_cents` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`campaign_id`, `buyer_type`, `payment_method`),
	CONSTRAINT "campaign_buyer_totals_counts_check" CHECK("campaign_buyer_totals"."orders" >= 0 AND "campaign_buyer_totals"."vouchers" >= 0 AND "campaign_buyer_totals"."sold_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE `voucher_balance_totals` (
	`campaign_id` text NOT NULL,
	`issued_on` text NOT NULL,
	`expires_on` text NOT NULL,
	`vouchers` integer DEFAULT 0 NOT NULL,
	`balance_cents` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`campaign_id`, `issued_on`, `expires_on`),
	CONSTRAINT "voucher_balance_totals_check" CHECK("voucher_balance_totals"."vouchers" >= 0 AND "voucher_balance_totals"."balance_cents" >= 0)
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `payments_received_at_provider_amount_cents_idx` ON `payments` (`received_at`,`provider`,`amount_cents`);
--> statement-breakpoint
-- Backfill from the ledger tables (db/report-totals-sql.ts as of this migration).
INSERT INTO `campaign_week_totals` (campaign_id, week, sold_cents, redeemed_cents, expired_cents, cancelled_cents, adjusted_cents)
SELECT campaign_id, date(day, '-6 days', 'weekday 1') AS week, SUM(sold) AS sold_cents, SUM(redeemed) AS redeemed_cents, SUM(expired) AS expired_cents,
       SUM(cancelled) AS cancelled_cents, SUM(adjusted) AS adjusted_cents
FROM (
  SELECT campaign_id, substr(issued_at, 1, 10) AS day, SUM(amount_cents) AS sold, 0 AS redeemed, 0 AS expired, 0 AS cancelled, 0 AS adjusted
    FROM vouchers WHERE reissued_from IS NULL GROUP BY campaign_id, substr(issued_at, 1, 10)
  UNION ALL
  SELECT campaign_id, substr(created_at, 1, 10), 0, SUM(amount_cents), 0, 0, 0 FROM redemptions WHERE status = 'completed' GROUP BY campaign_id, substr(created_at, 1, 10)
  UNION ALL
  SELECT v.campaign_id, substr(m.created_at, 1, 10), 0, 0,
         SUM(CASE WHEN m.kind = 'expire' THEN -m.amount_cents ELSE 0 END),
         SUM(CASE WHEN m.kind IN ('cancel', 'issue') THEN -m.amount_cents ELSE 0 END),
         SUM(CASE WHEN m.kind = 'adjust' THEN m.amount_cents ELSE 0 END)
    FROM movements m JOIN vouchers v ON v.id = m.voucher_id
   WHERE m.kind IN ('expire', 'cancel', 'adjust') OR (m.kind = 'issue' AND v.reissued_from IS NOT NULL)
   GROUP BY v.campaign_id, substr(m.created_at, 1, 10)
) t GROUP BY campaign_id, date(day, '-6 days', 'weekday 1');
--> statement-breakpoint
-- Backfill from the ledger tables (db/report-totals-sql.ts as of this migration).
INSERT INTO `merchant_campaign_totals` (campaign_id, merchant_id, redemptions, redeemed_cents)
SELECT campaign_id, merchant_id, COUNT(*) AS redemptions, SUM(amount_cents) AS redeemed_cents
FROM redemptions WHERE status = 'completed' GROUP BY campaign_id, merchant_id;
--> statement-breakpoint
-- Backfill from the ledger tables (db/report-totals-sql.ts as of this migration).
INSERT INTO `campaign_buyer_totals` (campaign_id, buyer_type, payment_method, orders, vouchers, sold_cents, paid_cents, fees_cents, bonus_cents)
SELECT campaign_id, buyer_type, payment_method, SUM(orders) AS orders, SUM(vouchers) AS vouchers, SUM(sold) AS sold_cents,
       SUM(paid) AS paid_cents, SUM(fees) AS fees_cents, SUM(bonus) AS bonus_cents
FROM (
  SELECT v.campaign_id, o.buyer_type, o.payment_method, 0 AS orders, COUNT(*) AS vouchers, SUM(v.amount_cents) AS sold, 0 AS paid, 0 AS fees, 0 AS bonus
    FROM vouchers v JOIN orders o ON o.id = v.order_id WHERE v.reissued_from IS NULL GROUP BY v.campaign_id, o.buyer_type, o.payment_method
  UNION ALL
  SELECT o.campaign_id, o.buyer_type, o.payment_method, COUNT(*), 0, 0, SUM(o.total_cents), SUM(o.fee_cents + o.fee_vat_cents), SUM(o.bonus_cents)
    FROM orders o WHERE EXISTS (SELECT 1 FROM vouchers v WHERE v.order_id = o.id AND v.reissued_from IS NULL)
   GROUP BY o.campaign_id, o.buyer_type, o.payment_method
) t GROUP BY campaign_id, buyer_type, payment_method;
--> statement-breakpoint
-- Backfill from the ledger tables (db/report-totals-sql.ts as of this migration).
INSERT INTO `voucher_balance_totals` (campaign_id, issued_on, expires_on, vouchers, balance_cents)
SELECT campaign_id, substr(issued_at, 1, 10) AS issued_on, substr(expires_at, 1, 10) AS expires_on, COUNT(*) AS vouchers, SUM(balance_cents) AS balance_cents
FROM vouchers WHERE balance_cents > 0 GROUP BY campaign_id, substr(issued_at, 1, 10), substr(expires_at, 1, 10);
