BEGIN
SELECT "id", "name", "age", "email" FROM "owner" WHERE "name" = $1::text ORDER BY "id" LIMIT 1 FOR UPDATE SKIP LOCKED
  -- args: "Ann"
COMMIT
