BEGIN
SELECT "id", "name", "age", "email" FROM "owner" WHERE "age" IN ($1::integer, $2::integer) FOR SHARE NOWAIT
  -- args: 1 2
COMMIT
