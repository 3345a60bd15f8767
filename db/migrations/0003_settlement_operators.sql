CREATE TABLE `settlement_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`reference` text NOT NULL,
	`until` text NOT NULL,
	`cutoff_at` text NOT NULL,
	`message_id` text NOT NULL,
	`gross_cents` integer NOT NULL,
	`commission_cents` integer NOT NULL,
	`vat_cents` integer NOT NULL,
	`net_cents` integer NOT NULL,
	`sepa_executed_at` text,
	`sepa_executed_by` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `settlement_batches_reference_unique` ON `settlement_batches` (`reference`);--> statement-breakpoint
CREATE UNIQUE INDEX `settlement_batches_message_id_unique` ON `settlement_batches` (`message_id`);--> statement-breakpoint
CREATE INDEX `settlement_batches_until_idx` ON `settlement_batches` (`until`);--> statement-breakpoint
CREATE TABLE `settlement_holds` (
	`batch_id` text NOT NULL,
	`merchant_id` text NOT NULL,
	`reason` text NOT NULL,
	`redemption_count` integer NOT NULL,
	`gross_cents` integer NOT NULL,
	FOREIGN KEY (`batch_id`) REFERENCES `settlement_batches`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `settlement_holds_uq` ON `settlement_holds` (`batch_id`,`merchant_id`);--> statement-breakpoint
CREATE TABLE `statement_campaigns` (
	`statement_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`commission_bps` integer NOT NULL,
	`vat_bps` integer NOT NULL,
	`redemption_count` integer NOT NULL,
	`gross_cents` integer NOT NULL,
	`commission_cents` integer NOT NULL,
	`vat_cents` integer NOT NULL,
	FOREIGN KEY (`statement_id`) REFERENCES `statements`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `statement_campaigns_uq` ON `statement_campaigns` (`statement_id`,`campaign_id`);--> statement-breakpoint
CREATE TABLE `statements` (
	`id` text PRIMARY KEY NOT NULL,
	`reference` text NOT NULL,
	`batch_id` text NOT NULL,
	`merchant_id` text NOT NULL,
	`redemption_count` integer NOT NULL,
	`gross_cents` integer NOT NULL,
	`commission_cents` integer NOT NULL,
	`vat_cents` integer NOT NULL,
	`net_cents` integer NOT NULL,
	`method` text NOT NULL,
	`iban` text,
	`bic` text,
	`account_holder` text NOT NULL,
	`stripe_account_id` text,
	`stripe_transfer_id` text,
	`status` text NOT NULL,
	`failure_reason` text,
	`invoice_number` text NOT NULL,
	`journal_id` text NOT NULL,
	`paid_journal_id` text,
	`paid_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`batch_id`) REFERENCES `settlement_batches`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `statements_reference_unique` ON `statements` (`reference`);--> statement-breakpoint
CREATE UNIQUE INDEX `statements_invoice_number_unique` ON `statements` (`invoice_number`);--> statement-breakpoint
CREATE UNIQUE INDEX `statements_batch_merchant_uq` ON `statements` (`batch_id`,`merchant_id`);--> statement-breakpoint
CREATE INDEX `statements_merchant_idx` ON `statements` (`merchant_id`);--> statement-breakpoint
CREATE TABLE `operator_users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`password_hash` text,
	`totp_secret` text,
	`created_at` text NOT NULL,
	`disabled_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `operator_users_email_unique` ON `operator_users` (`email`);--> statement-breakpoint
ALTER TABLE `campaigns` ADD `commission_bps` integer DEFAULT 300 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `breakage_rule` text DEFAULT 'operator' NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `sponsor_name` text;--> statement-breakpoint
ALTER TABLE `merchants` ADD `siret` text;--> statement-breakpoint
ALTER TABLE `merchants` ADD `iban` text;--> statement-breakpoint
ALTER TABLE `merchants` ADD `bic` text;--> statement-breakpoint
ALTER TABLE `merchants` ADD `account_holder` text;--> statement-breakpoint
ALTER TABLE `merchants` ADD `stripe_account_id` text;--> statement-breakpoint
ALTER TABLE `merchants` ADD `contact_email` text;--> statement-breakpoint
ALTER TABLE `merchants` ADD `phone` text;--> statement-breakpoint
ALTER TABLE `merchants` ADD `opening_hours` text;--> statement-breakpoint
ALTER TABLE `merchants` ADD `status_reason` text;--> statement-breakpoint
ALTER TABLE `vouchers` ADD `expiry_reminded_at` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `realm` text DEFAULT 'shop' NOT NULL;--> statement-breakpoint
ALTER TABLE `redemptions` ADD `statement_id` text;