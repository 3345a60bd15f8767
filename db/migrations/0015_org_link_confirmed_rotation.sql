-- The "send me my link" form no longer replaces the organisation's page link at once: the
-- new secret waits here until the contact opens it, so whoever knows a SIRET and an email
-- can no longer revoke the link a town hall or a works council is using (issue 13, finding 1).
ALTER TABLE `organisations` ADD `next_access_token_hash` text;
