-- The operator's legal and compliance pages (issue 15, item 1): mentions légales, terms of
-- sale and use of the vouchers, programme terms for shops, privacy notice, accessibility
-- statement. One row per page and language once the operator has edited it; until then the
-- page shows its default text (built from the operator's legal identity). The body is plain
-- text in a small Markdown-like subset, escaped when rendered: never HTML.
CREATE TABLE `legal_pages` (
	`page` text NOT NULL CONSTRAINT `legal_pages_page_known` CHECK (`page` IN ('mentions', 'terms', 'merchant-terms', 'privacy', 'accessibility')),
	`locale` text NOT NULL CONSTRAINT `legal_pages_locale_known` CHECK (`locale` IN ('fr', 'en')),
	`body` text NOT NULL CONSTRAINT `legal_pages_body_length` CHECK (length(`body`) BETWEEN 1 AND 20000),
	`updated_at` text NOT NULL,
	`updated_by` text NOT NULL,
	PRIMARY KEY (`page`, `locale`)
);
