ALTER TABLE "campaigns" ADD COLUMN "closed_at" text;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "personal_data_retention_months" bigint DEFAULT 24 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "personal_data_erased_at" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "personal_data_erased_at" text;