DROP INDEX `journal_lines_account_idx`;--> statement-breakpoint
DROP INDEX `redemptions_voucher_idx`;