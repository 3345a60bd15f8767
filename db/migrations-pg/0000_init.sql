CREATE SEQUENCE "public"."redemption_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" text PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"operator_name" text NOT NULL,
	"status" text NOT NULL,
	"currency" text DEFAULT 'EUR' NOT NULL,
	"target_cents" bigint NOT NULL,
	"denominations_cents" text NOT NULL,
	"min_amount_cents" bigint NOT NULL,
	"max_amount_cents" bigint NOT NULL,
	"validity_days" bigint NOT NULL,
	"max_vouchers_per_order" bigint NOT NULL,
	"max_order_cents_individual" bigint NOT NULL,
	"max_vouchers_per_org_order" bigint DEFAULT 10000 NOT NULL,
	"max_order_cents_org" bigint DEFAULT 50000000 NOT NULL,
	"org_fee_bps" bigint DEFAULT 0 NOT NULL,
	"commission_bps" bigint DEFAULT 300 NOT NULL,
	"breakage_rule" text DEFAULT 'operator' NOT NULL,
	"sponsor_name" text,
	"image_path" text,
	"accepted_categories" text,
	"bonus_kind" text DEFAULT 'none' NOT NULL,
	"bonus_bps" bigint DEFAULT 0 NOT NULL,
	"bonus_fixed_cents" bigint DEFAULT 0 NOT NULL,
	"bonus_cap_per_buyer_cents" bigint,
	"bonus_budget_cents" bigint DEFAULT 0 NOT NULL,
	"bonus_reserved_cents" bigint DEFAULT 0 NOT NULL,
	"bonus_used_cents" bigint DEFAULT 0 NOT NULL,
	"starts_at" text NOT NULL,
	"ends_at" text,
	"sold_cents" bigint DEFAULT 0 NOT NULL,
	"redeemed_cents" bigint DEFAULT 0 NOT NULL,
	"created_at" text NOT NULL,
	CONSTRAINT "campaigns_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "campaign_merchants" (
	"campaign_id" text NOT NULL,
	"merchant_id" text NOT NULL,
	CONSTRAINT "campaign_merchants_campaign_id_merchant_id_pk" PRIMARY KEY("campaign_id","merchant_id")
);
--> statement-breakpoint
CREATE TABLE "merchants" (
	"id" text PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"category" text NOT NULL,
	"address" text NOT NULL,
	"postal_code" text NOT NULL,
	"city" text NOT NULL,
	"website" text,
	"siret" text,
	"iban" text,
	"bic" text,
	"account_holder" text,
	"stripe_account_id" text,
	"contact_email" text,
	"phone" text,
	"opening_hours" text,
	"status_reason" text,
	"status" text NOT NULL,
	"created_at" text NOT NULL,
	CONSTRAINT "merchants_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "order_items" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"position" bigint NOT NULL,
	"amount_cents" bigint NOT NULL,
	"quantity" bigint NOT NULL,
	"recipient_name" text,
	"recipient_email" text,
	"message" text,
	"bonus" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" text PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"campaign_id" text NOT NULL,
	"status" text NOT NULL,
	"buyer_type" text NOT NULL,
	"buyer_name" text NOT NULL,
	"buyer_email" text NOT NULL,
	"organisation" text,
	"siret" text,
	"vat_number" text,
	"purchase_order" text,
	"service_code" text,
	"payment_method" text NOT NULL,
	"total_cents" bigint NOT NULL,
	"fee_cents" bigint DEFAULT 0 NOT NULL,
	"fee_vat_cents" bigint DEFAULT 0 NOT NULL,
	"bonus_cents" bigint DEFAULT 0 NOT NULL,
	"refunded_cents" bigint DEFAULT 0 NOT NULL,
	"paid_cents" bigint DEFAULT 0 NOT NULL,
	"organisation_id" text,
	"billing_address" text,
	"billing_postal_code" text,
	"billing_city" text,
	"contact_phone" text,
	"organisation_confirmed_at" text,
	"organisation_confirm_hash" text,
	"transfer_reference" text,
	"gift_event" text,
	"codes_exported_at" text,
	"locale" text NOT NULL,
	"access_token_hash" text NOT NULL,
	"checkout_ref" text,
	"checkout_url" text,
	"cancel_reason" text,
	"review_reason" text,
	"paid_at" text,
	"cancelled_at" text,
	"created_at" text NOT NULL,
	CONSTRAINT "orders_reference_unique" UNIQUE("reference"),
	CONSTRAINT "orders_transfer_reference_unique" UNIQUE("transfer_reference"),
	CONSTRAINT "orders_amounts_not_negative" CHECK ("orders"."total_cents" >= 0 AND "orders"."fee_cents" >= 0 AND "orders"."fee_vat_cents" >= 0 AND "orders"."paid_cents" >= 0 AND "orders"."bonus_cents" >= 0 AND "orders"."refunded_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"provider" text NOT NULL,
	"provider_ref" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"received_at" text NOT NULL,
	"journal_id" text NOT NULL,
	CONSTRAINT "payments_amount_positive" CHECK ("payments"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE TABLE "provider_events" (
	"id" text PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"type" text NOT NULL,
	"received_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "movements" (
	"id" text PRIMARY KEY NOT NULL,
	"voucher_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"kind" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"balance_after_cents" bigint NOT NULL,
	"journal_id" text,
	"order_id" text,
	"redemption_id" text,
	"actor" text NOT NULL,
	"reason" text,
	"created_at" text NOT NULL,
	CONSTRAINT "movements_seq_positive" CHECK ("movements"."seq" >= 1),
	CONSTRAINT "movements_kind" CHECK ("movements"."kind" IN ('issue', 'redeem', 'void', 'expire', 'cancel', 'adjust')),
	CONSTRAINT "movements_sign_per_kind" CHECK (("movements"."kind" IN ('issue', 'void') AND "movements"."amount_cents" > 0) OR ("movements"."kind" IN ('redeem', 'expire') AND "movements"."amount_cents" < 0) OR ("movements"."kind" = 'cancel' AND "movements"."amount_cents" <= 0) OR ("movements"."kind" = 'adjust' AND "movements"."amount_cents" != 0)),
	CONSTRAINT "movements_balance_after_not_negative" CHECK ("movements"."balance_after_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "vouchers" (
	"id" text PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"campaign_id" text NOT NULL,
	"order_id" text NOT NULL,
	"order_item_id" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"balance_cents" bigint NOT NULL,
	"status" text NOT NULL,
	"recipient_name" text,
	"recipient_email" text,
	"message" text,
	"issued_at" text NOT NULL,
	"expires_at" text NOT NULL,
	"reissued_from" text,
	"block_reason" text,
	"expiry_reminded_at" text,
	CONSTRAINT "vouchers_code_unique" UNIQUE("code"),
	CONSTRAINT "vouchers_amount_positive" CHECK ("vouchers"."amount_cents" > 0),
	CONSTRAINT "vouchers_balance_within_value" CHECK ("vouchers"."balance_cents" >= 0 AND "vouchers"."balance_cents" <= "vouchers"."amount_cents"),
	CONSTRAINT "vouchers_status" CHECK ("vouchers"."status" IN ('active', 'spent', 'expired', 'cancelled', 'blocked')),
	CONSTRAINT "vouchers_status_balance" CHECK (("vouchers"."status" != 'active' OR "vouchers"."balance_cents" > 0) AND ("vouchers"."status" NOT IN ('spent', 'cancelled') OR "vouchers"."balance_cents" = 0))
);
--> statement-breakpoint
CREATE TABLE "journal_counters" (
	"journal_code" text PRIMARY KEY NOT NULL,
	"last_number" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "journal_lines" (
	"id" bigint PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY (sequence name "journal_lines_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"journal_id" text NOT NULL,
	"account" text NOT NULL,
	"amount_cents" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "journals" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"description" text NOT NULL,
	"order_id" text,
	"created_at" text NOT NULL,
	"journal_code" text DEFAULT 'OD' NOT NULL,
	"entry_number" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"payload" text NOT NULL,
	"recipient" text NOT NULL,
	"status" text NOT NULL,
	"attempts" bigint DEFAULT 0 NOT NULL,
	"next_attempt_at" text NOT NULL,
	"lease_until" text,
	"last_error" text,
	"sent_at" text,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "merchant_users" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"password_hash" text,
	"created_at" text NOT NULL,
	"removed_at" text,
	CONSTRAINT "merchant_users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "password_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"purpose" text NOT NULL,
	"expires_at" text NOT NULL,
	"used_at" text
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"realm" text DEFAULT 'shop' NOT NULL,
	"created_at" text NOT NULL,
	"expires_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"merchant_id" text,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"label" text NOT NULL,
	"created_at" text NOT NULL,
	"revoked_at" text,
	"last_used_at" text,
	"failure_count" bigint DEFAULT 0 NOT NULL,
	"failure_window_start" text,
	"locked_until" text,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "redemptions" (
	"id" text PRIMARY KEY NOT NULL,
	"number" bigint DEFAULT nextval('redemption_number_seq') NOT NULL,
	"merchant_id" text NOT NULL,
	"voucher_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"status" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"request_fingerprint" text NOT NULL,
	"actor" text NOT NULL,
	"journal_id" text NOT NULL,
	"created_at" text NOT NULL,
	"voided_at" text,
	"voided_by" text,
	"void_journal_id" text,
	"statement_id" text,
	CONSTRAINT "redemptions_number_unique" UNIQUE("number"),
	CONSTRAINT "redemptions_amount_positive" CHECK ("redemptions"."amount_cents" > 0),
	CONSTRAINT "redemptions_status" CHECK ("redemptions"."status" IN ('completed', 'voided'))
);
--> statement-breakpoint
CREATE TABLE "organisations" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"siret" text NOT NULL,
	"vat_number" text,
	"billing_address" text NOT NULL,
	"postal_code" text NOT NULL,
	"city" text NOT NULL,
	"contact_name" text NOT NULL,
	"contact_email" text NOT NULL,
	"access_token_hash" text NOT NULL,
	"next_access_token_hash" text,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoice_counters" (
	"kind" text NOT NULL,
	"year" bigint NOT NULL,
	"last_seq" bigint NOT NULL,
	CONSTRAINT "invoice_counters_kind_year_pk" PRIMARY KEY("kind","year")
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"number" text NOT NULL,
	"year" bigint NOT NULL,
	"seq" bigint NOT NULL,
	"order_id" text NOT NULL,
	"credits_invoice_id" text,
	"total_cents" bigint NOT NULL,
	"issued_at" text NOT NULL,
	"document" text NOT NULL,
	CONSTRAINT "invoices_number_unique" UNIQUE("number")
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sepa_files" (
	"batch_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"message_id" text NOT NULL,
	"created_at" text NOT NULL,
	"executed_at" text,
	"executed_by" text,
	CONSTRAINT "sepa_files_batch_id_seq_pk" PRIMARY KEY("batch_id","seq"),
	CONSTRAINT "sepa_files_message_id_unique" UNIQUE("message_id")
);
--> statement-breakpoint
CREATE TABLE "settlement_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"until" text NOT NULL,
	"cutoff_at" text NOT NULL,
	"message_id" text NOT NULL,
	"gross_cents" bigint NOT NULL,
	"commission_cents" bigint NOT NULL,
	"vat_cents" bigint NOT NULL,
	"net_cents" bigint NOT NULL,
	"sepa_executed_at" text,
	"sepa_executed_by" text,
	"created_by" text NOT NULL,
	"created_at" text NOT NULL,
	CONSTRAINT "settlement_batches_reference_unique" UNIQUE("reference"),
	CONSTRAINT "settlement_batches_message_id_unique" UNIQUE("message_id")
);
--> statement-breakpoint
CREATE TABLE "settlement_holds" (
	"batch_id" text NOT NULL,
	"merchant_id" text NOT NULL,
	"reason" text NOT NULL,
	"redemption_count" bigint NOT NULL,
	"gross_cents" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "statement_campaigns" (
	"statement_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"commission_bps" bigint NOT NULL,
	"vat_bps" bigint NOT NULL,
	"redemption_count" bigint NOT NULL,
	"gross_cents" bigint NOT NULL,
	"commission_cents" bigint NOT NULL,
	"vat_cents" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "statements" (
	"id" text PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"batch_id" text NOT NULL,
	"merchant_id" text NOT NULL,
	"merchant_siret" text,
	"redemption_count" bigint NOT NULL,
	"gross_cents" bigint NOT NULL,
	"commission_cents" bigint NOT NULL,
	"vat_cents" bigint NOT NULL,
	"breakage_cents" bigint DEFAULT 0 NOT NULL,
	"net_cents" bigint NOT NULL,
	"method" text NOT NULL,
	"iban" text,
	"bic" text,
	"account_holder" text NOT NULL,
	"stripe_account_id" text,
	"stripe_transfer_id" text,
	"status" text NOT NULL,
	"failure_reason" text,
	"invoice_number" text NOT NULL,
	"journal_id" text NOT NULL,
	"paid_journal_id" text,
	"paid_at" text,
	"reversed_cents" bigint DEFAULT 0 NOT NULL,
	"sepa_file_seq" bigint,
	"sepa_hold_reason" text,
	"created_at" text NOT NULL,
	CONSTRAINT "statements_reference_unique" UNIQUE("reference"),
	CONSTRAINT "statements_invoice_number_unique" UNIQUE("invoice_number")
);
--> statement-breakpoint
CREATE TABLE "operator_users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"password_hash" text,
	"totp_secret" text,
	"created_at" text NOT NULL,
	"disabled_at" text,
	CONSTRAINT "operator_users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" text NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"before" text,
	"after" text,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "refunds" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"provider" text NOT NULL,
	"provider_ref" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"status" text NOT NULL,
	"actor" text NOT NULL,
	"reason" text,
	"journal_id" text,
	"failure_reason" text,
	"settled_at" text,
	"created_at" text NOT NULL,
	CONSTRAINT "refunds_amount_positive" CHECK ("refunds"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE TABLE "rate_limit_hits" (
	"bucket" text NOT NULL,
	"window_start" bigint NOT NULL,
	"count" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	CONSTRAINT "rate_limit_hits_bucket_window_start_pk" PRIMARY KEY("bucket","window_start"),
	CONSTRAINT "rate_limit_hits_count_check" CHECK ("rate_limit_hits"."count" >= 0)
);
--> statement-breakpoint
ALTER TABLE "campaign_merchants" ADD CONSTRAINT "campaign_merchants_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_merchants" ADD CONSTRAINT "campaign_merchants_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_items" ADD CONSTRAINT "order_items_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "movements" ADD CONSTRAINT "movements_voucher_id_vouchers_id_fk" FOREIGN KEY ("voucher_id") REFERENCES "public"."vouchers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vouchers" ADD CONSTRAINT "vouchers_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vouchers" ADD CONSTRAINT "vouchers_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vouchers" ADD CONSTRAINT "vouchers_order_item_id_order_items_id_fk" FOREIGN KEY ("order_item_id") REFERENCES "public"."order_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "journal_lines" ADD CONSTRAINT "journal_lines_journal_id_journals_id_fk" FOREIGN KEY ("journal_id") REFERENCES "public"."journals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merchant_users" ADD CONSTRAINT "merchant_users_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "redemptions" ADD CONSTRAINT "redemptions_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "redemptions" ADD CONSTRAINT "redemptions_voucher_id_vouchers_id_fk" FOREIGN KEY ("voucher_id") REFERENCES "public"."vouchers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "redemptions" ADD CONSTRAINT "redemptions_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sepa_files" ADD CONSTRAINT "sepa_files_batch_id_settlement_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."settlement_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlement_holds" ADD CONSTRAINT "settlement_holds_batch_id_settlement_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."settlement_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlement_holds" ADD CONSTRAINT "settlement_holds_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "statement_campaigns" ADD CONSTRAINT "statement_campaigns_statement_id_statements_id_fk" FOREIGN KEY ("statement_id") REFERENCES "public"."statements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "statements" ADD CONSTRAINT "statements_batch_id_settlement_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."settlement_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "statements" ADD CONSTRAINT "statements_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "order_items_order_idx" ON "order_items" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "orders_campaign_idx" ON "orders" USING btree ("campaign_id");--> statement-breakpoint
CREATE INDEX "orders_checkout_ref_idx" ON "orders" USING btree ("checkout_ref");--> statement-breakpoint
CREATE INDEX "orders_organisation_idx" ON "orders" USING btree ("organisation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_provider_ref_uq" ON "payments" USING btree ("provider","provider_ref");--> statement-breakpoint
CREATE UNIQUE INDEX "movements_voucher_seq_uq" ON "movements" USING btree ("voucher_id","seq");--> statement-breakpoint
CREATE INDEX "vouchers_order_idx" ON "vouchers" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "vouchers_campaign_idx" ON "vouchers" USING btree ("campaign_id");--> statement-breakpoint
CREATE INDEX "vouchers_reissued_from_idx" ON "vouchers" USING btree ("reissued_from") WHERE "vouchers"."reissued_from" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "journal_lines_journal_idx" ON "journal_lines" USING btree ("journal_id");--> statement-breakpoint
CREATE UNIQUE INDEX "journals_code_number_uq" ON "journals" USING btree ("journal_code","entry_number");--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox_messages" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "merchant_users_merchant_idx" ON "merchant_users" USING btree ("merchant_id");--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "api_keys_merchant_idx" ON "api_keys" USING btree ("merchant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "redemptions_idempotency_uq" ON "redemptions" USING btree ("merchant_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "redemptions_merchant_created_idx" ON "redemptions" USING btree ("merchant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "organisations_siret_contact_uq" ON "organisations" USING btree ("siret","contact_email");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_kind_year_seq_uq" ON "invoices" USING btree ("kind","year","seq");--> statement-breakpoint
CREATE INDEX "invoices_order_idx" ON "invoices" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "settlement_batches_until_idx" ON "settlement_batches" USING btree ("until");--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_holds_uq" ON "settlement_holds" USING btree ("batch_id","merchant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "statement_campaigns_uq" ON "statement_campaigns" USING btree ("statement_id","campaign_id");--> statement-breakpoint
CREATE UNIQUE INDEX "statements_batch_merchant_uq" ON "statements" USING btree ("batch_id","merchant_id");--> statement-breakpoint
CREATE INDEX "statements_merchant_idx" ON "statements" USING btree ("merchant_id");--> statement-breakpoint
CREATE INDEX "audit_entity_idx" ON "audit_log" USING btree ("entity_type","entity_id");--> statement-breakpoint
CREATE INDEX "audit_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_provider_ref_uq" ON "refunds" USING btree ("provider","provider_ref");--> statement-breakpoint
CREATE INDEX "refunds_order_idx" ON "refunds" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "rate_limit_hits_expires_idx" ON "rate_limit_hits" USING btree ("expires_at");