-- Settlement runs in slices of shops (short transactions): a batch is open while its
-- slices are written and closed by the last one. One open batch at most, whoever runs.
ALTER TABLE `settlement_batches` ADD `closed_at` text;
--> statement-breakpoint
ALTER TABLE `settlement_batches` ADD `merchant_cursor` text;
--> statement-breakpoint
UPDATE `settlement_batches` SET `closed_at` = `created_at`;
--> statement-breakpoint
CREATE UNIQUE INDEX `settlement_batches_one_open_uq` ON `settlement_batches` ((1)) WHERE `closed_at` IS NULL;
--> statement-breakpoint
-- Unsettled redemptions per shop (statement_id IS NULL, merchant, up to the cut-off) and a
-- statement's redemptions: both read by range, never by scanning the history.
CREATE INDEX IF NOT EXISTS `redemptions_statement_id_merchant_id_created_at_idx` ON `redemptions` (`statement_id`, `merchant_id`, `created_at`);
--> statement-breakpoint
-- It leads with statement_id, so the plain index of 0016 is redundant: every till call paid for it.
DROP INDEX IF EXISTS `redemptions_statement_id_idx`;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `payments_order_id_idx` ON `payments` (`order_id`);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `movements_journal_id_idx` ON `movements` (`journal_id`);
--> statement-breakpoint
-- check-ledger's runs: an incremental run verifies the journals numbered after the marks
-- of the last clean run.
CREATE TABLE `ledger_checks` (
	`id` text PRIMARY KEY NOT NULL,
	`mode` text NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text NOT NULL,
	`clean` integer NOT NULL,
	`breaches` integer NOT NULL,
	`marks` text NOT NULL,
	CONSTRAINT "ledger_checks_mode" CHECK("ledger_checks"."mode" IN ('full', 'incremental')),
	CONSTRAINT "ledger_checks_clean" CHECK("ledger_checks"."clean" IN (0, 1))
);
--> statement-breakpoint
CREATE INDEX `ledger_checks_clean_finished_idx` ON `ledger_checks` (`clean`, `finished_at`);
