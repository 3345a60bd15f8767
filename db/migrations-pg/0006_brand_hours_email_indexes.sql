CREATE TABLE "operator_brand" (
	"id" bigint PRIMARY KEY NOT NULL,
	"name" text,
	"primary_color" text NOT NULL,
	"accent_color" text NOT NULL,
	"logo" "bytea",
	"logo_type" text,
	"image" "bytea",
	"image_type" text,
	"version" bigint NOT NULL,
	"updated_at" text NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "operator_brand_single_row" CHECK ("operator_brand"."id" = 1),
	CONSTRAINT "operator_brand_colors" CHECK ("operator_brand"."primary_color" ~ '^#[0-9a-f]{6}$' AND "operator_brand"."accent_color" ~ '^#[0-9a-f]{6}$'),
	CONSTRAINT "operator_brand_logo_type" CHECK (("operator_brand"."logo" IS NULL AND "operator_brand"."logo_type" IS NULL) OR ("operator_brand"."logo" IS NOT NULL AND "operator_brand"."logo_type" IN ('png', 'jpg'))),
	CONSTRAINT "operator_brand_image_type" CHECK (("operator_brand"."image" IS NULL AND "operator_brand"."image_type" IS NULL) OR ("operator_brand"."image" IS NOT NULL AND "operator_brand"."image_type" IN ('png', 'jpg'))),
	CONSTRAINT "operator_brand_name_length" CHECK ("operator_brand"."name" IS NULL OR length("operator_brand"."name") BETWEEN 1 AND 80)
);
--> statement-breakpoint
CREATE TABLE "merchant_opening_hours" (
	"merchant_id" text NOT NULL,
	"weekday" bigint NOT NULL,
	"opens_minute" bigint NOT NULL,
	"closes_minute" bigint NOT NULL,
	CONSTRAINT "merchant_opening_hours_merchant_id_weekday_opens_minute_pk" PRIMARY KEY("merchant_id","weekday","opens_minute"),
	CONSTRAINT "merchant_opening_hours_weekday" CHECK ("merchant_opening_hours"."weekday" BETWEEN 1 AND 7),
	CONSTRAINT "merchant_opening_hours_opens" CHECK ("merchant_opening_hours"."opens_minute" BETWEEN 0 AND 1439),
	CONSTRAINT "merchant_opening_hours_closes" CHECK ("merchant_opening_hours"."closes_minute" BETWEEN 1 AND 1440),
	CONSTRAINT "merchant_opening_hours_order" CHECK ("merchant_opening_hours"."closes_minute" > "merchant_opening_hours"."opens_minute")
);
--> statement-breakpoint
ALTER TABLE "merchants" ADD COLUMN "latitude" double precision;--> statement-breakpoint
ALTER TABLE "merchants" ADD COLUMN "longitude" double precision;--> statement-breakpoint
ALTER TABLE "merchant_opening_hours" ADD CONSTRAINT "merchant_opening_hours_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "order_items_recipient_email_norm_idx" ON "order_items" USING btree (lower(trim("recipient_email"))) WHERE "order_items"."recipient_email" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "orders_buyer_email_norm_idx" ON "orders" USING btree (lower(trim("buyer_email")));--> statement-breakpoint
CREATE INDEX "vouchers_recipient_email_norm_idx" ON "vouchers" USING btree (lower(trim("recipient_email"))) WHERE "vouchers"."recipient_email" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "outbox_recipient_norm_idx" ON "outbox_messages" USING btree (lower(trim("recipient")));--> statement-breakpoint
CREATE INDEX "organisations_contact_email_norm_idx" ON "organisations" USING btree (lower(trim("contact_email")));--> statement-breakpoint
CREATE INDEX "voucher_gifts_recipient_email_norm_idx" ON "voucher_gifts" USING btree (lower(trim("recipient_email")));--> statement-breakpoint
ALTER TABLE "merchants" ADD CONSTRAINT "merchants_latitude_range" CHECK ("merchants"."latitude" BETWEEN -90 AND 90);--> statement-breakpoint
ALTER TABLE "merchants" ADD CONSTRAINT "merchants_longitude_range" CHECK ("merchants"."longitude" BETWEEN -180 AND 180);