CREATE TABLE "voucher_gifts" (
	"id" text PRIMARY KEY NOT NULL,
	"voucher_id" text NOT NULL,
	"order_id" text NOT NULL,
	"recipient_email" text NOT NULL,
	"recipient_name" text,
	"message" text,
	"send_at" text NOT NULL,
	"outbox_message_id" text NOT NULL,
	"created_at" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "voucher_gifts" ADD CONSTRAINT "voucher_gifts_voucher_id_vouchers_id_fk" FOREIGN KEY ("voucher_id") REFERENCES "public"."vouchers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voucher_gifts" ADD CONSTRAINT "voucher_gifts_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voucher_gifts" ADD CONSTRAINT "voucher_gifts_outbox_message_id_outbox_messages_id_fk" FOREIGN KEY ("outbox_message_id") REFERENCES "public"."outbox_messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "voucher_gifts_voucher_idx" ON "voucher_gifts" USING btree ("voucher_id","created_at");--> statement-breakpoint
CREATE INDEX "voucher_gifts_order_idx" ON "voucher_gifts" USING btree ("order_id");--> statement-breakpoint
CREATE UNIQUE INDEX "voucher_gifts_outbox_uq" ON "voucher_gifts" USING btree ("outbox_message_id");