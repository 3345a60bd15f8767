CREATE TABLE `job_leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text,
	`lease_until` integer,
	`slot` integer,
	`done_slot` integer,
	`done_at` text
);
--> statement-breakpoint
ALTER TABLE `operator_users` ADD `totp_last_step` integer;
