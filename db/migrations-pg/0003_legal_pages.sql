CREATE TABLE "legal_pages" (
	"page" text NOT NULL,
	"locale" text NOT NULL,
	"body" text NOT NULL,
	"updated_at" text NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "legal_pages_page_locale_pk" PRIMARY KEY("page","locale"),
	CONSTRAINT "legal_pages_page_known" CHECK ("legal_pages"."page" IN ('mentions', 'terms', 'merchant-terms', 'privacy', 'accessibility')),
	CONSTRAINT "legal_pages_locale_known" CHECK ("legal_pages"."locale" IN ('fr', 'en')),
	CONSTRAINT "legal_pages_body_length" CHECK (length("legal_pages"."body") BETWEEN 1 AND 20000)
);
