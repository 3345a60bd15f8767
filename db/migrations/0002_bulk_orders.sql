CREATE TABLE `organisations` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`siret` text NOT NULL,
	`vat_number` text,
	`billing_address` text NOT NULL,
	`postal_code` text NOT NULL,
	`city` text NOT NULL,
	`contact_name` text NOT NULL,
	`contact_email` text NOT NULL,
	`access_token_hash` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `organisations_siret_contact_uq` ON `organisations` (`siret`,`contact_email`);--> statement-breakpoint
CREATE TABLE `invoice_counters` (
	`kind` text NOT NULL,
	`year` integer NOT NULL,
	`last_seq` integer NOT NULL,
	PRIMARY KEY(`kind`, `year`)
);
--> statement-breakpoint
CREATE TABLE `invoices` (
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
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_number_unique` ON `invoices` (`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_kind_year_seq_uq` ON `invoices` (`kind`,`year`,`seq`);--> statement-breakpoint
CREATE INDEX `invoices_order_idx` ON `invoices` (`order_id`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `campaigns` ADD `max_vouchers_per_org_order` integer DEFAULT 10000 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `max_order_cents_org` integer DEFAULT 50000000 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `org_fee_bps` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `fee_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `fee_vat_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `paid_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `organisation_id` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `billing_address` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `contact_phone` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `transfer_reference` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `gift_event` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `codes_exported_at` text;--> statement-breakpoint
CREATE UNIQUE INDEX `orders_transfer_reference_unique` ON `orders` (`transfer_reference`);--> statement-breakpoint
CREATE INDEX `orders_organisation_idx` ON `orders` (`organisation_id`);