INSERT INTO "account" ("id", "balance", "version") VALUES (?, ?, ?) ON CONFLICT ("id") DO UPDATE SET "version" = "account"."version" + 1 RETURNING "id", "balance", "version"
  -- args: 3 10 1
