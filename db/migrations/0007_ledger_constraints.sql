-- Issue 12: the database backs the ledger writer's rules with CHECK constraints.
-- SQLite cannot add a CHECK to an existing table: each table is rebuilt (create the new
-- table, copy, drop the old one, rename), with foreign keys deferred to the commit since
--
PRAGMA defer_foreign_keys = ON;
--> statement-breakpoint
CREATE TABLE `orders_new` (
	`id` text PRIMARY KEY NOT NULL,
	`reference` text NOT NULL,
	`campaign_id` text NOT NULL,
	`status` text NOT NULL,
	`buyer_type` text NOT NULL,
	`buyer_name` text NOT NULL,
	`buyer_email` text NOT NULL,
	`organisation` text,
	`siret` text,
	`vat_number` text,
	`purchase_order` text,
	`service_code` text,
	`payment_method` text NOT NULL,
	`total_cents` integer NOT NULL,
	`locale` text NOT NULL,
	`access_token_hash` text NOT NULL,
	`checkout_ref` text,
	`checkout_url` text,
	`cancel_reason` text,
	`review_reason` text,
	`paid_at` text,
	`cancelled_at` text,
	`created_at` text NOT NULL,
	`fee_cents` integer DEFAULT 0 NOT NULL,
	`fee_vat_cents` integer DEFAULT 0 NOT NULL,
	`paid_cents` integer DEFAULT 0 NOT NULL,
	`organisation_id` text,
	`billing_address` text,
	`contact_phone` text,
	`transfer_reference` text,
	`gift_event` text,
	`codes_exported_at` text,
	`bonus_cents` integer DEFAULT 0 NOT NULL,
	`refunded_cents` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "orders_amounts_not_negative" CHECK("total_cents" >= 0 AND "fee_cents" >= 0 AND "fee_vat_cents" >= 0 AND "paid_cents" >= 0 AND "bonus_cents" >= 0 AND "refunded_cents" >= 0)
);
--> statement-breakpoint
INSERT INTO `orders_new` SELECT `id`, `reference`, `campaign_id`, `status`, `buyer_type`, `buyer_name`, `buyer_email`, `organisation`, `siret`, `vat_number`, `purchase_order`, `service_code`, `payment_method`, `total_cents`, `locale`, `access_token_hash`, `checkout_ref`, `checkout_url`, `cancel_reason`, `review_reason`, `paid_at`, `cancelled_at`, `created_at`, `fee_cents`, `fee_vat_cents`, `paid_cents`, `organisation_id`, `billing_address`, `contact_phone`, `transfer_reference`, `gift_event`, `codes_exported_at`, `bonus_cents`, `refunded_cents` FROM `orders`;
--> statement-breakpoint
CREATE TABLE `order_items_new` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`position` integer NOT NULL,
	`amount_cents` integer NOT NULL,
	`quantity` integer NOT NULL,
	`recipient_name` text,
	`recipient_email` text,
	`message` text,
	`bonus` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders_new`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `order_items_new` SELECT `id`, `order_id`, `position`, `amount_cents`, `quantity`, `recipient_name`, `recipient_email`, `message`, `bonus` FROM `order_items`;
--> statement-breakpoint
CREATE TABLE `invoices_new` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`number` text NOT NULL,
	`year` integer NOT NULL,
	`seq` integer NOT NULL,
	`order_id` text NOT NULL,
	`credits_invoice_id` text,
	`total_cents` integer NOT NULL,
	`issued_at` text NOT NULL,
	`document` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders_new`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `invoices_new` SELECT `id`, `kind`, `number`, `year`, `seq`, `order_id`, `credits_invoice_id`, `total_cents`, `issued_at`, `document` FROM `invoices`;
--> statement-breakpoint
CREATE TABLE `payments_new` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`provider` text NOT NULL,
	`provider_ref` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`received_at` text NOT NULL,
	`journal_id` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders_new`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payments_amount_positive" CHECK("amount_cents" > 0)
);
--> statement-breakpoint
INSERT INTO `payments_new` SELECT `id`, `order_id`, `provider`, `provider_ref`, `amount_cents`, `received_at`, `journal_id` FROM `payments`;
--> statement-breakpoint
CREATE TABLE `refunds_new` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`provider` text NOT NULL,
	`provider_ref` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`status` text NOT NULL,
	`actor` text NOT NULL,
	`reason` text,
	`journal_id` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders_new`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "refunds_amount_positive" CHECK("amount_cents" > 0)
);
--> statement-breakpoint
INSERT INTO `refunds_new` SELECT `id`, `order_id`, `provider`, `provider_ref`, `amount_cents`, `status`, `actor`, `reason`, `journal_id`, `created_at` FROM `refunds`;
--> statement-breakpoint
CREATE TABLE `vouchers_new` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`campaign_id` text NOT NULL,
	`order_id` text NOT NULL,
	`order_item_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`balance_cents` integer NOT NULL,
	`status` text NOT NULL,
	`recipient_name` text,
	`recipient_email` text,
	`message` text,
	`issued_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`expiry_reminded_at` text,
	`reissued_from` text,
	`block_reason` text,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`order_id`) REFERENCES `orders_new`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`order_item_id`) REFERENCES `order_items_new`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "vouchers_amount_positive" CHECK("amount_cents" > 0),
	CONSTRAINT "vouchers_balance_within_value" CHECK("balance_cents" >= 0 AND "balance_cents" <= "amount_cents"),
	CONSTRAINT "vouchers_status" CHECK("status" IN ('active', 'spent', 'expired', 'cancelled', 'blocked')),
	CONSTRAINT "vouchers_status_balance" CHECK(("status" != 'active' OR "balance_cents" > 0) AND ("status" NOT IN ('spent', 'cancelled') OR "balance_cents" = 0))
);
--> statement-breakpoint
INSERT INTO `vouchers_new`
WITH RECURSIVE `up` (`id`, `anc`) AS (
	SELECT `id`, `reissued_from` FROM `vouchers` WHERE `reissued_from` IS NOT NULL
	UNION ALL SELECT u.`id`, p.`reissued_from` FROM `up` u JOIN `vouchers` p ON p.`id` = u.`anc` WHERE p.`reissued_from` IS NOT NULL
), `roots` (`id`, `root_amount`) AS (
	SELECT u.`id`, r.`amount_cents` FROM `up` u JOIN `vouchers` r ON r.`id` = u.`anc` WHERE r.`reissued_from` IS NULL
)
SELECT v.`id`, v.`code`, v.`campaign_id`, v.`order_id`, v.`order_item_id`,
	MAX(v.`amount_cents`, COALESCE(roots.`root_amount`, 0)),
	v.`balance_cents`,
	CASE WHEN v.`status` = 'cancelled' AND v.`balance_cents` != 0 THEN 'blocked'
	     WHEN v.`status` = 'active' AND v.`balance_cents` = 0 THEN 'spent'
	     WHEN v.`status` = 'spent' AND v.`balance_cents` > 0 THEN 'active'
	     ELSE v.`status` END,
	v.`recipient_name`, v.`recipient_email`, v.`message`, v.`issued_at`, v.`expires_at`, v.`expiry_reminded_at`, v.`reissued_from`,
	CASE WHEN v.`status` = 'cancelled' AND v.`balance_cents` != 0 THEN 'stranded: value put back on a cancelled voucher (found by migration 0007)' ELSE v.`block_reason` END
FROM `vouchers` v LEFT JOIN `roots` ON roots.`id` = v.`id`;
--> statement-breakpoint
CREATE TABLE `movements_new` (
	`id` text PRIMARY KEY NOT NULL,
	`voucher_id` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`balance_after_cents` integer NOT NULL,
	`journal_id` text,
	`order_id` text,
	`redemption_id` text,
	`actor` text NOT NULL,
	`reason` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`voucher_id`) REFERENCES `vouchers_new`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "movements_seq_positive" CHECK("seq" >= 1),
	CONSTRAINT "movements_kind" CHECK("kind" IN ('issue', 'redeem', 'void', 'expire', 'cancel', 'adjust')),
	CONSTRAINT "movements_sign_per_kind" CHECK(("kind" IN ('issue', 'void') AND "amount_cents" > 0) OR ("kind" IN ('redeem', 'expire') AND "amount_cents" < 0) OR ("kind" = 'cancel' AND "amount_cents" <= 0) OR ("kind" = 'adjust' AND "amount_cents" != 0)),
	CONSTRAINT "movements_balance_after_not_negative" CHECK("balance_after_cents" >= 0)
);
--> statement-breakpoint
INSERT INTO `movements_new` SELECT `id`, `voucher_id`, `seq`, `kind`, `amount_cents`, `balance_after_cents`, `journal_id`, `order_id`, `redemption_id`, `actor`, `reason`, `created_at` FROM `movements`;
--> statement-breakpoint
CREATE TABLE `redemptions_new` (
	`id` text PRIMARY KEY NOT NULL,
	`number` integer NOT NULL,
	`merchant_id` text NOT NULL,
	`voucher_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`status` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`request_fingerprint` text NOT NULL,
	`actor` text NOT NULL,
	`journal_id` text NOT NULL,
	`created_at` text NOT NULL,
	`voided_at` text,
	`voided_by` text,
	`void_journal_id` text,
	`statement_id` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`voucher_id`) REFERENCES `vouchers_new`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "redemptions_amount_positive" CHECK("amount_cents" > 0),
	CONSTRAINT "redemptions_status" CHECK("status" IN ('completed', 'voided'))
);
--> statement-breakpoint
INSERT INTO `redemptions_new` SELECT `id`, `number`, `merchant_id`, `voucher_id`, `campaign_id`, `amount_cents`, `status`, `idempotency_key`, `request_fingerprint`, `actor`, `journal_id`, `created_at`, `voided_at`, `voided_by`, `void_journal_id`, `statement_id` FROM `redemptions`;
--> statement-breakpoint
DROP TABLE `redemptions`;
--> statement-breakpoint
DROP TABLE `movements`;
--> statement-breakpoint
DROP TABLE `vouchers`;
--> statement-breakpoint
DROP TABLE `refunds`;
--> statement-breakpoint
DROP TABLE `payments`;
--> statement-breakpoint
DROP TABLE `invoices`;
--> statement-breakpoint
DROP TABLE `order_items`;
--> statement-breakpoint
DROP TABLE `orders`;
--> statement-breakpoint
ALTER TABLE `orders_new` RENAME TO `orders`;
--> statement-breakpoint
ALTER TABLE `order_items_new` RENAME TO `order_items`;
--> statement-breakpoint
ALTER TABLE `invoices_new` RENAME TO `invoices`;
--> statement-breakpoint
ALTER TABLE `payments_new` RENAME TO `payments`;
--> statement-breakpoint
ALTER TABLE `refunds_new` RENAME TO `refunds`;
--> statement-breakpoint
ALTER TABLE `vouchers_new` RENAME TO `vouchers`;
--> statement-breakpoint
ALTER TABLE `movements_new` RENAME TO `movements`;
--> statement-breakpoint
ALTER TABLE `redemptions_new` RENAME TO `redemptions`;
--> statement-breakpoint
CREATE UNIQUE INDEX `movements_voucher_seq_uq` ON `movements` (`voucher_id`,`seq`);
--> statement-breakpoint
CREATE UNIQUE INDEX `redemptions_number_unique` ON `redemptions` (`number`);
--> statement-breakpoint
CREATE UNIQUE INDEX `redemptions_idempotency_uq` ON `redemptions` (`merchant_id`,`idempotency_key`);
--> statement-breakpoint
CREATE INDEX `redemptions_merchant_created_idx` ON `redemptions` (`merchant_id`,`created_at`);
--> statement-breakpoint
CREATE UNIQUE INDEX `vouchers_code_unique` ON `vouchers` (`code`);
--> statement-breakpoint
CREATE INDEX `vouchers_order_idx` ON `vouchers` (`order_id`);
--> statement-breakpoint
CREATE INDEX `vouchers_campaign_idx` ON `vouchers` (`campaign_id`);
--> statement-breakpoint
CREATE INDEX `vouchers_reissued_from_idx` ON `vouchers` (`reissued_from`) WHERE "vouchers"."reissued_from" IS NOT NULL;
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_provider_ref_uq` ON `payments` (`provider`,`provider_ref`);
--> statement-breakpoint
CREATE UNIQUE INDEX `refunds_provider_ref_uq` ON `refunds` (`provider`,`provider_ref`);
--> statement-breakpoint
CREATE INDEX `refunds_order_idx` ON `refunds` (`order_id`);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_reference_unique` ON `orders` (`reference`);
--> statement-breakpoint
CREATE INDEX `orders_campaign_idx` ON `orders` (`campaign_id`);
--> statement-breakpoint
CREATE INDEX `orders_checkout_ref_idx` ON `orders` (`checkout_ref`);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_transfer_reference_unique` ON `orders` (`transfer_reference`);
--> statement-breakpoint
CREATE INDEX `orders_organisation_idx` ON `orders` (`organisation_id`);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_number_unique` ON `invoices` (`number`);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_kind_year_seq_uq` ON `invoices` (`kind`,`year`,`seq`);
--> statement-breakpoint
CREATE INDEX `invoices_order_idx` ON `invoices` (`order_id`);
--> statement-breakpoint
CREATE INDEX `order_items_order_idx` ON `order_items` (`order_id`);
--> statement-breakpoint
-- Value a void put back on a code that a reissue had already replaced (older versions
-- credited the old code) belongs to the holder of the replacement: it moves to the end of
-- the chain, by an `adjust` pair under one journal that nets to zero on voucher_liability,
-- and the old code is cancelled again. Only where it fits under the replacement's value and
-- one stranded code feeds the chain; anything else stays blocked for support (operations.md).
CREATE TEMP TABLE `m0007_moves` AS
WITH RECURSIVE `down` (`start`, `id`) AS (
	SELECT p.`id`, n.`id` FROM `vouchers` p JOIN `vouchers` n ON n.`reissued_from` = p.`id`
	WHERE p.`status` = 'blocked' AND p.`block_reason` = 'stranded: value put back on a cancelled voucher (found by migration 0007)'
	UNION ALL SELECT d.`start`, n.`id` FROM `down` d JOIN `vouchers` n ON n.`reissued_from` = d.`id`
)
SELECT d.`start` AS `from_id`, d.`id` AS `to_id`, p.`balance_cents` AS `cents`, p.`order_id` AS `order_id`
FROM `down` d JOIN `vouchers` p ON p.`id` = d.`start` JOIN `vouchers` l ON l.`id` = d.`id`
WHERE NOT EXISTS (SELECT 1 FROM `vouchers` x WHERE x.`reissued_from` = d.`id`)
	AND l.`status` IN ('active', 'spent', 'blocked', 'expired') AND l.`balance_cents` + p.`balance_cents` <= l.`amount_cents`;
--> statement-breakpoint
DELETE FROM `m0007_moves` WHERE `to_id` IN (SELECT `to_id` FROM `m0007_moves` GROUP BY `to_id` HAVING COUNT(*) > 1);
--> statement-breakpoint
INSERT INTO `journals` (`id`, `kind`, `description`, `order_id`, `created_at`)
SELECT 'm0007-' || `from_id`, 'voucher_reissue', 'Void on a replaced code moved to its replacement (migration 0007)', `order_id`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM `m0007_moves`;
--> statement-breakpoint
INSERT INTO `journal_lines` (`journal_id`, `account`, `amount_cents`)
SELECT 'm0007-' || `from_id`, 'voucher_liability', `cents` FROM `m0007_moves`
UNION ALL SELECT 'm0007-' || `from_id`, 'voucher_liability', -`cents` FROM `m0007_moves`;
--> statement-breakpoint
INSERT INTO `movements` (`id`, `voucher_id`, `seq`, `kind`, `amount_cents`, `balance_after_cents`, `journal_id`, `order_id`, `redemption_id`, `actor`, `reason`, `created_at`)
SELECT 'm0007-out-' || m.`from_id`, m.`from_id`, (SELECT MAX(`seq`) + 1 FROM `movements` WHERE `voucher_id` = m.`from_id`), 'adjust', -m.`cents`, 0,
	'm0007-' || m.`from_id`, m.`order_id`, NULL, 'system:migration-0007', 'void on a replaced code moved to its replacement', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM `m0007_moves` m;
--> statement-breakpoint
INSERT INTO `movements` (`id`, `voucher_id`, `seq`, `kind`, `amount_cents`, `balance_after_cents`, `journal_id`, `order_id`, `redemption_id`, `actor`, `reason`, `created_at`)
SELECT 'm0007-in-' || m.`from_id`, m.`to_id`, (SELECT MAX(`seq`) + 1 FROM `movements` WHERE `voucher_id` = m.`to_id`), 'adjust', m.`cents`, l.`balance_cents` + m.`cents`,
	'm0007-' || m.`from_id`, m.`order_id`, NULL, 'system:migration-0007', 'void on a replaced code moved to its replacement', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM `m0007_moves` m JOIN `vouchers` l ON l.`id` = m.`to_id`;
--> statement-breakpoint
UPDATE `vouchers` SET `balance_cents` = `balance_cents` + (SELECT m.`cents` FROM `m0007_moves` m WHERE m.`to_id` = `vouchers`.`id`),
	`status` = CASE WHEN `status` = 'spent' THEN 'active' ELSE `status` END
WHERE `id` IN (SELECT `to_id` FROM `m0007_moves`);
--> statement-breakpoint
UPDATE `vouchers` SET `balance_cents` = 0, `status` = 'cancelled', `block_reason` = NULL WHERE `id` IN (SELECT `from_id` FROM `m0007_moves`);
--> statement-breakpoint
DROP TABLE `m0007_moves`;
