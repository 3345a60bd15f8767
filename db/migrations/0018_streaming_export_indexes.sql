-- Keyset pages of a shop's operations export, newest first: (created_at, number) is the
-- cursor, so both belong to the index. It replaces the (merchant_id, created_at) index,
-- whose queries all use this one's prefix: the till pays for one index, not two.
CREATE INDEX IF NOT EXISTS `redemptions_merchant_id_created_at_number_idx` ON `redemptions` (`merchant_id`,`created_at`,`number`);--> statement-breakpoint
DROP INDEX IF EXISTS `redemptions_merchant_created_idx`;--> statement-breakpoint
-- A statement's lines (CSV and PDF) by keyset on (created_at, number) within the statement.
-- Partial: the till inserts redemptions with no statement, so it never writes this index;
-- only the settlement that stamps them does.
CREATE INDEX IF NOT EXISTS `redemptions_statement_id_created_at_number_idx` ON `redemptions` (`statement_id`,`created_at`,`number`) WHERE `statement_id` IS NOT NULL;
