SELECT "id", "balance", "version" FROM "account"
UPDATE "account" SET "balance" = $1::bigint, "version" = "version" + 1 WHERE ("id" = $2::bigint AND "version" = $3::bigint)
  -- args: 90 1 3
