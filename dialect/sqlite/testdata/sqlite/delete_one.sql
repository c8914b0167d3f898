SELECT "id", "name", "age", "email" FROM "owner"
DELETE FROM "owner" WHERE "id" = ?
  -- args: 1
