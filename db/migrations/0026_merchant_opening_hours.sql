-- Structured weekly opening hours of a shop (issue 15: « ouvert maintenant » in the shop
-- directory). One row per slot, minutes since midnight in Paris wall-clock time; a day
-- without rows is closed; a slot never runs past midnight. The free-text
-- merchants.opening_hours stays as the shop's own wording (holidays, exceptions).
CREATE TABLE `merchant_opening_hours` (
	`merchant_id` text NOT NULL REFERENCES `merchants`(`id`),
	`weekday` integer NOT NULL CONSTRAINT `merchant_opening_hours_weekday` CHECK (`weekday` BETWEEN 1 AND 7),
	`opens_minute` integer NOT NULL CONSTRAINT `merchant_opening_hours_opens` CHECK (`opens_minute` BETWEEN 0 AND 1439),
	`closes_minute` integer NOT NULL CONSTRAINT `merchant_opening_hours_closes` CHECK (`closes_minute` BETWEEN 1 AND 1440),
	PRIMARY KEY (`merchant_id`, `weekday`, `opens_minute`),
	CONSTRAINT `merchant_opening_hours_order` CHECK (`closes_minute` > `opens_minute`)
);
--> statement-breakpoint
-- Where the shop is (WGS 84 degrees), for the optional map of the directory (MAP_TILE_URL).
ALTER TABLE `merchants` ADD `latitude` real CONSTRAINT `merchants_latitude_range` CHECK (`latitude` BETWEEN -90 AND 90);
--> statement-breakpoint
ALTER TABLE `merchants` ADD `longitude` real CONSTRAINT `merchants_longitude_range` CHECK (`longitude` BETWEEN -180 AND 180);
