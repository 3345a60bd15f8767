CREATE TABLE "job_leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text,
	"lease_until" bigint,
	"slot" bigint,
	"done_slot" bigint,
	"done_at" text
);
--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "issue_journal_id" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "issue_actor" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "issue_next" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "issue_remaining_cents" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "operator_users" ADD COLUMN "totp_last_step" bigint;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_issue_journal_id_journals_id_fk" FOREIGN KEY ("issue_journal_id") REFERENCES "public"."journals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "orders_issuing_idx" ON "orders" USING btree ("issue_journal_id") WHERE "orders"."issue_journal_id" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_issue_next_not_negative" CHECK ("orders"."issue_next" >= 0);--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_issue_remaining_not_negative" CHECK ("orders"."issue_remaining_cents" >= 0);