-- PostgreSQL only (no SQLite counterpart: db/pg-write-behind.ts has none there). The writes a
-- unit of work holds back to its end go out as ONE statement, pipelined with COMMIT; a write
-- that must change exactly n rows (a conditional voucher update, an aggregate decrease) is
-- checked INSIDE that statement, so a miss aborts it and the COMMIT behind it rolls back.
CREATE FUNCTION "expect_rows"("actual" bigint, "expected" bigint, "message" text) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  IF "actual" IS DISTINCT FROM "expected" THEN
    RAISE EXCEPTION '%', "message" USING ERRCODE = 'check_violation';
  END IF;
  RETURN "actual";
END;
$$;
