-- A data subject's request (search, export, erasure) finds the person by email as typed
-- anywhere: lower(trim(…)) of each column, the normalisation the lookup uses, so each is
-- one index search instead of a read of every order, line, voucher, contact, gift and mail.
CREATE INDEX IF NOT EXISTS `orders_buyer_email_norm_idx` ON `orders` (lower(trim(`buyer_email`)));
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `order_items_recipient_email_norm_idx` ON `order_items` (lower(trim(`recipient_email`))) WHERE `recipient_email` IS NOT NULL;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `vouchers_recipient_email_norm_idx` ON `vouchers` (lower(trim(`recipient_email`))) WHERE `recipient_email` IS NOT NULL;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `organisations_contact_email_norm_idx` ON `organisations` (lower(trim(`contact_email`)));
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `outbox_recipient_norm_idx` ON `outbox_messages` (lower(trim(`recipient`)));
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `voucher_gifts_recipient_email_norm_idx` ON `voucher_gifts` (lower(trim(`recipient_email`)));
