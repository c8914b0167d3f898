BEGIN
DELETE FROM "owner" WHERE 0
SELECT "id", "name", "age", "email" FROM "owner" WHERE "age" = ?
  -- args: 1
SELECT "id", "balance", "version" FROM "account" LIMIT 5
SELECT COUNT(*) FROM "account"
COMMIT
