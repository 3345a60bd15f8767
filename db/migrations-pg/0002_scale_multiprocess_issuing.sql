CREATE TABLE "job_leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text,
	"lease_until" bigint,
	"slot" bigint,
	"done_slot" bigint,
	"done_at" text
);
--> statement-breakpoint
CREATE TABLE "campaign_buyer_totals" (
	"campaign_id" text NOT NULL,
	"buyer_type" text NOT NULL,
	"payment_method" text NOT NULL,
	"orders" bigint DEFAULT 0 NOT NULL,
	"vouchers" bigint DEFAULT 0 NOT NULL,
	"sold_cents" bigint DEFAULT 0 NOT NULL,
	"paid_cents" bigint DEFAULT 0 NOT NULL,
	"fees_cents" bigint DEFAULT 0 NOT NULL,
	"bonus_cents" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "campaign_buyer_totals_campaign_id_buyer_type_payment_method_pk" PRIMARY KEY("campaign_id","buyer_type","payment_method"),
	CONSTRAINT "campaign_buyer_totals_counts_check" CHECK ("campaign_buyer_totals"."orders" >= 0 AND "campaign_buyer_totals"."vouchers" >= 0 AND "campaign_buyer_totals"."sold_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "campaign_week_totals" (
	"campaign_id" text NOT NULL,
	"week" text NOT NULL,
	"sold_cents" bigint DEFAULT 0 NOT NULL,
	"redeemed_cents" bigint DEFAULT 0 NOT NULL,
	"expired_cents" bigint DEFAULT 0 NOT NULL,
	"cancelled_cents" bigint DEFAULT 0 NOT NULL,
	"adjusted_cents" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "campaign_week_totals_campaign_id_week_pk" PRIMARY KEY("campaign_id","week"),
	CONSTRAINT "campaign_week_totals_sold_check" CHECK ("campaign_week_totals"."sold_cents" >= 0),
	CONSTRAINT "campaign_week_totals_redeemed_check" CHECK ("campaign_week_totals"."redeemed_cents" >= 0),
	CONSTRAINT "campaign_week_totals_expired_check" CHECK ("campaign_week_totals"."expired_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "merchant_campaign_totals" (
	"campaign_id" text NOT NULL,
	"merchant_id" text NOT NULL,
	"redemptions" bigint DEFAULT 0 NOT NULL,
	"redeemed_cents" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "merchant_campaign_totals_campaign_id_merchant_id_pk" PRIMARY KEY("campaign_id","merchant_id"),
	CONSTRAINT "merchant_campaign_totals_redemptions_check" CHECK ("merchant_campaign_totals"."redemptions" >= 0),
	CONSTRAINT "merchant_campaign_totals_redeemed_check" CHECK ("merchant_campaign_totals"."redeemed_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "voucher_balance_totals" (
	"campaign_id" text NOT NULL,
	"issued_on" text NOT NULL,
	"expires_on" text NOT NULL,
	"vouchers" bigint DEFAULT 0 NOT NULL,
	"balance_cents" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "voucher_balance_totals_campaign_id_issued_on_expires_on_pk" PRIMARY KEY("campaign_id","issued_on","expires_on"),
	CONSTRAINT "voucher_balance_totals_check" CHECK ("voucher_balance_totals"."vouchers" >= 0 AND "voucher_balance_totals"."balance_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "ledger_checks" (
	"id" text PRIMARY KEY NOT NULL,
	"mode" text NOT NULL,
	"started_at" text NOT NULL,
	"finished_at" text NOT NULL,
	"clean" bigint NOT NULL,
	"breaches" bigint NOT NULL,
	"marks" text NOT NULL,
	CONSTRAINT "ledger_checks_mode" CHECK ("ledger_checks"."mode" IN ('full', 'incremental')),
	CONSTRAINT "ledger_checks_clean" CHECK ("ledger_checks"."clean" IN (0, 1))
);
--> statement-breakpoint
DROP INDEX "redemptions_merchant_created_idx";--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "issue_journal_id" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "issue_actor" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "issue_next" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "issue_remaining_cents" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "settlement_batches" ADD COLUMN "closed_at" text;--> statement-breakpoint
ALTER TABLE "settlement_batches" ADD COLUMN "merchant_cursor" text;--> statement-breakpoint
ALTER TABLE "operator_users" ADD COLUMN "totp_last_step" bigint;--> statement-breakpoint
CREATE INDEX "ledger_checks_clean_finished_idx" ON "ledger_checks" USING btree ("clean","finished_at");--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_issue_journal_id_journals_id_fk" FOREIGN KEY ("issue_journal_id") REFERENCES "public"."journals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "orders_buyer_email_idx" ON "orders" USING btree (lower("buyer_email"));--> statement-breakpoint
CREATE INDEX "orders_issuing_idx" ON "orders" USING btree ("issue_journal_id") WHERE "orders"."issue_journal_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "payments_received_at_provider_amount_cents_idx" ON "payments" USING btree ("received_at","provider","amount_cents");--> statement-breakpoint
CREATE INDEX "payments_order_id_idx" ON "payments" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "movements_journal_id_idx" ON "movements" USING btree ("journal_id");--> statement-breakpoint
CREATE INDEX "vouchers_recipient_email_idx" ON "vouchers" USING btree (lower("recipient_email")) WHERE "vouchers"."recipient_email" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "journals_created_at_idx" ON "journals" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "redemptions_merchant_id_created_at_number_idx" ON "redemptions" USING btree ("merchant_id","created_at","number");--> statement-breakpoint
CREATE INDEX "redemptions_statement_id_created_at_number_idx" ON "redemptions" USING btree ("statement_id","created_at","number") WHERE "redemptions"."statement_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "redemptions_statement_id_merchant_id_created_at_idx" ON "redemptions" USING btree ("statement_id","merchant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_batches_one_open_uq" ON "settlement_batches" USING btree ((1)) WHERE "settlement_batches"."closed_at" IS NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_issue_next_not_negative" CHECK ("orders"."issue_next" >= 0);--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_issue_remaining_not_negative" CHECK ("orders"."issue_remaining_cents" >= 0);