-- Issue 14 (scale): indexes for lookups that scanned whole tables as history grew.
-- check-ledger and the order pages sum or list an order's payments (payments of one order).
CREATE INDEX IF NOT EXISTS `payments_order_id_idx` ON `payments` (`order_id`);--> statement-breakpoint
-- The journal reader and the FEC select a period of journals by date.
CREATE INDEX IF NOT EXISTS `journals_created_at_idx` ON `journals` (`created_at`);
