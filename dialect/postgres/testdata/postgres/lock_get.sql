BEGIN
SELECT "id", "name", "age", "email" FROM "owner" WHERE "id" = $1::bigint FOR UPDATE
  -- args: 1
COMMIT
