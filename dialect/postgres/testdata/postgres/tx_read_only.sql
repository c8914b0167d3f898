BEGIN READ ONLY
SELECT "id", "name", "age", "email" FROM "owner" WHERE "id" = $1::bigint
  -- args: 1
COMMIT
