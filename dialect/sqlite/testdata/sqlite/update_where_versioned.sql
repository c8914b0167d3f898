UPDATE "account" SET "balance" = "balance" + ?, "version" = "version" + ? WHERE "balance" > ?
  -- args: -5 1 0
