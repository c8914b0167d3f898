SELECT "id", "balance", "version" FROM "account"
BEGIN
DELETE FROM "account" WHERE ("id" = $1::bigint AND "version" = $2::bigint) OR ("id" = $3::bigint AND "version" = $4::bigint)
  -- args: 1 3 2 7
COMMIT
