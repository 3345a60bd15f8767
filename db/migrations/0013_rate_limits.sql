CREATE TABLE `rate_limit_hits` (
	`bucket` text NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`bucket`, `window_start`),
	CONSTRAINT "rate_limit_hits_count_check" CHECK("rate_limit_hits"."count" >= 0)
);
--> statement-breakpoint
CREATE INDEX `rate_limit_hits_expires_idx` ON `rate_limit_hits` (`expires_at`);
