UPDATE "account" SET "balance" = "balance" + $1::bigint, "version" = "version" + $2::bigint WHERE "balance" > $3::bigint
  -- args: -5 1 0
