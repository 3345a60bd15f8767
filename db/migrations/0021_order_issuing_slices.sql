-- A paid order's vouchers are issued in slices of a few hundred, one short transaction each,
-- so a 10 000-voucher order never holds the event loop or the write lock for seconds
-- (issue 13, finding 5). While slices remain, the order carries its sale's journal, who
-- paid, the index of the next voucher to issue and the value not yet issued: any process
-- resumes from there after a crash, and check-ledger counts that value as owed.
ALTER TABLE `orders` ADD `issue_journal_id` text REFERENCES journals(id);
--> statement-breakpoint
ALTER TABLE `orders` ADD `issue_actor` text;
--> statement-breakpoint
ALTER TABLE `orders` ADD `issue_next` integer DEFAULT 0 NOT NULL CONSTRAINT `orders_issue_next_not_negative` CHECK (`issue_next` >= 0);
--> statement-breakpoint
ALTER TABLE `orders` ADD `issue_remaining_cents` integer DEFAULT 0 NOT NULL CONSTRAINT `orders_issue_remaining_not_negative` CHECK (`issue_remaining_cents` >= 0);
--> statement-breakpoint
CREATE INDEX `orders_issuing_idx` ON `orders` (`issue_journal_id`) WHERE `issue_journal_id` IS NOT NULL;
