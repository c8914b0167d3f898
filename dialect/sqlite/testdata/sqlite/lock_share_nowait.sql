BEGIN
DELETE FROM "owner" WHERE 0
SELECT "id", "name", "age", "email" FROM "owner" WHERE "age" IN (?, ?)
  -- args: 1 2
COMMIT
