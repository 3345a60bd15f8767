CREATE TABLE `sepa_files` (
	`batch_id` text NOT NULL,
	`seq` integer NOT NULL,
	`message_id` text NOT NULL,
	`created_at` text NOT NULL,
	`executed_at` text,
	`executed_by` text,
	PRIMARY KEY(`batch_id`, `seq`),
	FOREIGN KEY (`batch_id`) REFERENCES `settlement_batches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sepa_files_message_id_unique` ON `sepa_files` (`message_id`);--> statement-breakpoint
ALTER TABLE `statements` ADD `sepa_file_seq` integer;--> statement-breakpoint
ALTER TABLE `statements` ADD `sepa_hold_reason` text;--> statement-breakpoint
-- Batches already executed: their one file carried every SEPA statement (all paid since).
-- Unexecuted batches are left without a file row: the next run records file 1 from the
-- stored rows, byte-identical to a file written before this migration.
INSERT INTO `sepa_files` (`batch_id`, `seq`, `message_id`, `created_at`, `executed_at`, `executed_by`)
	SELECT b.`id`, 1, b.`message_id`, b.`created_at`, b.`sepa_executed_at`, b.`sepa_executed_by` FROM `settlement_batches` b
	WHERE b.`sepa_executed_at` IS NOT NULL AND EXISTS (SELECT 1 FROM `statements` s WHERE s.`batch_id` = b.`id` AND s.`method` = 'sepa');--> statement-breakpoint
UPDATE `statements` SET `sepa_file_seq` = 1
	WHERE `method` = 'sepa' AND `batch_id` IN (SELECT `id` FROM `settlement_batches` WHERE `sepa_executed_at` IS NOT NULL);
