-- Issue 14 (scale): indexes for lookups that read whole tables as history grew.
-- check-ledger and the order pages sum or list the payments of one order.
CREATE INDEX IF NOT EXISTS `payments_order_id_idx` ON `payments` (`order_id`);--> statement-breakpoint
-- The journal reader and the FEC select a period of journals by date.
CREATE INDEX IF NOT EXISTS `journals_created_at_idx` ON `journals` (`created_at`);--> statement-breakpoint
-- Support finds a voucher by its buyer's or recipient's email (operator voucher search).
CREATE INDEX IF NOT EXISTS `orders_buyer_email_idx` ON `orders` (lower(`buyer_email`));--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `vouchers_recipient_email_idx` ON `vouchers` (lower(`recipient_email`)) WHERE `recipient_email` IS NOT NULL;--> statement-breakpoint
-- What waits for the next settlement (the settlement page's preview, the run itself). The
-- books part of issue 14 adds the same index: IF NOT EXISTS and the same name merge cleanly.
CREATE INDEX IF NOT EXISTS `redemptions_statement_id_idx` ON `redemptions` (`statement_id`);
