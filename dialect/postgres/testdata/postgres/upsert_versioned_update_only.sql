INSERT INTO "account" ("id", "balance", "version") VALUES ($1::bigint, $2::bigint, $3::bigint) ON CONFLICT ("id") DO UPDATE SET "version" = "account"."version" + 1 RETURNING "id", "balance", "version", (SELECT setval(pg_get_serial_sequence($4, $5), $6) WHERE $7 >= nextval(pg_get_serial_sequence($8, $9)))
  -- args: 3 10 1 "\"account\"" "id" 3 3 "\"account\"" "id"
