ALTER TABLE `campaigns` ADD `personal_data_retention_months` integer DEFAULT 24 NOT NULL;
--> statement-breakpoint
ALTER TABLE `campaigns` ADD `closed_at` text;
--> statement-breakpoint
ALTER TABLE `campaigns` ADD `personal_data_erased_at` text;
--> statement-breakpoint
ALTER TABLE `orders` ADD `personal_data_erased_at` text;
--> statement-breakpoint
UPDATE `campaigns` SET `closed_at` = coalesce(
  (SELECT max(`at`) FROM `audit_log` WHERE `entity_type` = 'campaign' AND `entity_id` = `campaigns`.`id` AND `action` = 'campaign_close'),
  `ends_at`, `created_at`) WHERE `status` = 'closed';
