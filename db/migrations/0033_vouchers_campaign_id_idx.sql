CREATE INDEX `vouchers_campaign_id_idx` ON `vouchers` (`campaign_id`,`id`);
