BEGIN
SELECT "id", "name", "age", "email" FROM "owner" WHERE "age" = $1::integer FOR UPDATE
  -- args: 1
SELECT "id", "balance", "version" FROM "account" LIMIT 5 FOR SHARE
SELECT COUNT(*) FROM "account"
COMMIT
