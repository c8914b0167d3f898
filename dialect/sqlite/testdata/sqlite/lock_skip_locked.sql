BEGIN
DELETE FROM "owner" WHERE 0
SELECT "id", "name", "age", "email" FROM "owner" WHERE "name" = ? ORDER BY "id" LIMIT 1
  -- args: "Ann"
COMMIT
