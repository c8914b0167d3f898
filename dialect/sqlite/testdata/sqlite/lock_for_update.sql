BEGIN
DELETE FROM "owner" WHERE 0
SELECT "id", "name", "age", "email" FROM "owner" WHERE "age" = ?
  -- args: 30
COMMIT
