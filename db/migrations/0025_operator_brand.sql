-- The operator's brand (issue 15, item 2): name, colours, logo and default campaign image,
-- one row (id 1) saved by an admin in the back-office. Colours are checked for contrast by
-- the application before they get here; the images are stored as bytes so every server and
-- the PDF worker threads read the same ones. `version` goes up on each save (cache busting).
CREATE TABLE `operator_brand` (
	`id` integer PRIMARY KEY NOT NULL CONSTRAINT `operator_brand_single_row` CHECK (`id` = 1),
	`name` text CONSTRAINT `operator_brand_name_length` CHECK (`name` IS NULL OR length(`name`) BETWEEN 1 AND 80),
	`primary_color` text NOT NULL,
	`accent_color` text NOT NULL,
	`logo` blob,
	`logo_type` text,
	`image` blob,
	`image_type` text,
	`version` integer NOT NULL,
	`updated_at` text NOT NULL,
	`updated_by` text NOT NULL,
	CONSTRAINT `operator_brand_colors` CHECK (`primary_color` GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' AND `accent_color` GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
	CONSTRAINT `operator_brand_logo_type` CHECK ((`logo` IS NULL AND `logo_type` IS NULL) OR (`logo` IS NOT NULL AND `logo_type` IN ('png', 'jpg'))),
	CONSTRAINT `operator_brand_image_type` CHECK ((`image` IS NULL AND `image_type` IS NULL) OR (`image` IS NOT NULL AND `image_type` IN ('png', 'jpg')))
);
