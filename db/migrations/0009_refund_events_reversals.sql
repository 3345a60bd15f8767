-- Refunds settle on Stripe's refund events: a refund answered `pending` stays pending (vouchers
-- held) until `refund.updated`/`refund.failed` say succeeded, failed or canceled.
ALTER TABLE `refunds` ADD `failure_reason` text;--> statement-breakpoint
ALTER TABLE `refunds` ADD `settled_at` text;--> statement-breakpoint
-- Connect transfers can be reversed in part: what came back is booked, the rest stays paid.
ALTER TABLE `statements` ADD `reversed_cents` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- Transfers fully reversed before this version (statement failed, `transfer_reversed`) had
-- their whole net booked back: record it, so a late `transfer.created` cannot pay them again.
UPDATE `statements` SET `reversed_cents` = `net_cents` WHERE `status` = 'failed' AND `failure_reason` = 'transfer_reversed';
