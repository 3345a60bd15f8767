-- The triggers of SQLite migration 0011: a journal inserted without its number from
-- journal_counters is refused (instead of numbered 0), and a journal's code and number never
-- change (the FEC's EcritureNum). Same messages as on SQLite.
CREATE FUNCTION "journals_numbered"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'journals.entry_number must come from journal_counters' USING ERRCODE = 'check_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "journals_numbered" BEFORE INSERT ON "journals"
FOR EACH ROW WHEN (NEW."entry_number" < 1) EXECUTE FUNCTION "journals_numbered"();
--> statement-breakpoint
CREATE FUNCTION "journals_number_fixed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'journals.journal_code and entry_number never change' USING ERRCODE = 'check_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "journals_number_fixed" BEFORE UPDATE OF "journal_code", "entry_number" ON "journals"
FOR EACH ROW EXECUTE FUNCTION "journals_number_fixed"();
