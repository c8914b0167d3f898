BEGIN
SELECT "id", "name", "age", "email" FROM "owner" WHERE "age" = $1::integer FOR UPDATE
  -- args: 30
COMMIT
