-- Issue 13, finding 1: an order keeps its own copy of what the buyer typed (documents render it,
-- never the organisation's row), and an order placed with the SIRET and email of an existing
-- organisation stays off its page until the contact confirms it from an emailed link.
ALTER TABLE `orders` ADD `billing_postal_code` text;
--> statement-breakpoint
ALTER TABLE `orders` ADD `billing_city` text;
--> statement-breakpoint
ALTER TABLE `orders` ADD `organisation_confirmed_at` text;
--> statement-breakpoint
ALTER TABLE `orders` ADD `organisation_confirm_hash` text;
--> statement-breakpoint
-- Older organisation orders: billing_address was written as "<street lines>\n<postal code> <city>".
-- rtrim(x, replace(x, char(10), '')) keeps x up to its last newline.
UPDATE `orders` SET
  `billing_postal_code` = substr(substr(`billing_address`, length(rtrim(`billing_address`, replace(`billing_address`, char(10), ''))) + 1), 1, 5),
  `billing_city` = substr(substr(`billing_address`, length(rtrim(`billing_address`, replace(`billing_address`, char(10), ''))) + 1), 7)
WHERE `organisation_id` IS NOT NULL AND `billing_address` IS NOT NULL;
--> statement-breakpoint
-- Every order placed before this version was on its organisation's page: it stays there.
UPDATE `orders` SET `organisation_confirmed_at` = `created_at` WHERE `organisation_id` IS NOT NULL;
