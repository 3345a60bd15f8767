-- FEC entry numbers given once, when an entry is posted (issue 12, finding 7).
-- Every journal gets its accounting journal (the mapping of server/domain/ledger/journal-codes.ts)
-- and its number in that journal; journal_counters holds the last number of each journal.
ALTER TABLE `journals` ADD `journal_code` text DEFAULT 'OD' NOT NULL;
--> statement-breakpoint
ALTER TABLE `journals` ADD `entry_number` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
UPDATE `journals` SET `journal_code` = CASE `kind`
  WHEN 'voucher_sale' THEN 'VT' WHEN 'service_fee' THEN 'VT'
  WHEN 'bank_transfer_received' THEN 'BQ' WHEN 'payment_suspense' THEN 'BQ'
  WHEN 'settlement_payout' THEN 'BQ' WHEN 'settlement_payout_reversal' THEN 'BQ'
  WHEN 'redemption' THEN 'EN' WHEN 'redemption_void' THEN 'EN'
  WHEN 'settlement' THEN 'RG'
  ELSE 'OD' END;
--> statement-breakpoint
-- Existing entries are numbered in the order they were posted, per journal.
UPDATE `journals` SET `entry_number` = n.rn
FROM (SELECT `id`, ROW_NUMBER() OVER (PARTITION BY `journal_code` ORDER BY `created_at`, `id`) AS rn FROM `journals`) AS n
WHERE n.`id` = `journals`.`id`;
--> statement-breakpoint
CREATE UNIQUE INDEX `journals_code_number_uq` ON `journals` (`journal_code`,`entry_number`);
--> statement-breakpoint
CREATE TABLE `journal_counters` (
	`journal_code` text PRIMARY KEY NOT NULL,
	`last_number` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `journal_counters` (`journal_code`, `last_number`)
  SELECT `journal_code`, MAX(`entry_number`) FROM `journals` GROUP BY `journal_code`;
--> statement-breakpoint
-- The column defaults only served the ALTER above: a journal written without its number
-- (a new insert path forgetting journal_counters) is refused instead of numbered 0.
CREATE TRIGGER `journals_numbered` BEFORE INSERT ON `journals`
WHEN NEW.`entry_number` < 1
BEGIN
  SELECT RAISE(ABORT, 'journals.entry_number must come from journal_counters');
END;
--> statement-breakpoint
CREATE TRIGGER `journals_number_fixed` BEFORE UPDATE OF `journal_code`, `entry_number` ON `journals`
BEGIN
  SELECT RAISE(ABORT, 'journals.journal_code and entry_number never change');
END;
