BEGIN
SELECT "id", "balance", "version" FROM "account"
SAVEPOINT orm_sp_N
UPDATE "account" SET "balance" = CASE WHEN "id" = $1::bigint THEN $2::bigint WHEN "id" = $3::bigint THEN $4::bigint ELSE "balance" END, "version" = "version" + 1 WHERE ("id" = $5::bigint AND "version" = $6::bigint) OR ("id" = $7::bigint AND "version" = $8::bigint)
  -- args: 1 90 2 60 1 3 2 1
ROLLBACK TO SAVEPOINT orm_sp_N
RELEASE SAVEPOINT orm_sp_N
SELECT "id", "version" FROM "account" WHERE "id" IN ($1::bigint, $2::bigint)
  -- args: 1 2
ROLLBACK
-- error: orm: optimistic lock failed: Account 1 (version 3) was changed or deleted by someone else
