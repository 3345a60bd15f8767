ALTER TABLE `statements` ADD `merchant_siret` text;--> statement-breakpoint
UPDATE `statements` SET `merchant_siret` = (SELECT `siret` FROM `merchants` WHERE `merchants`.`id` = `statements`.`merchant_id`);
