-- Gifts that arrive (issue 15, item 3): the buyer sends a voucher to a recipient by email,
-- now or at a chosen instant. One row per send the buyer asked for; its mail is the outbox
-- row it names (next_attempt_at = send_at), so a scheduled gift survives restarts and is
-- sent by whichever process claims it first, once. When it was sent is the outbox row's
-- sent_at. Recipient address, name and message are personal data of the recipient.
CREATE TABLE `voucher_gifts` (
	`id` text PRIMARY KEY NOT NULL,
	`voucher_id` text NOT NULL REFERENCES vouchers(id),
	`order_id` text NOT NULL REFERENCES orders(id),
	`recipient_email` text NOT NULL,
	`recipient_name` text,
	`message` text,
	`send_at` text NOT NULL,
	`outbox_message_id` text NOT NULL REFERENCES outbox_messages(id),
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `voucher_gifts_voucher_idx` ON `voucher_gifts` (`voucher_id`,`created_at`);
--> statement-breakpoint
CREATE INDEX `voucher_gifts_order_idx` ON `voucher_gifts` (`order_id`);
--> statement-breakpoint
CREATE UNIQUE INDEX `voucher_gifts_outbox_uq` ON `voucher_gifts` (`outbox_message_id`);
