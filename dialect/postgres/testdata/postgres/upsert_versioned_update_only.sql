BEGIN
INSERT INTO "account" ("id", "balance", "version") VALUES ($1::bigint, $2::bigint, $3::bigint) ON CONFLICT ("id") DO UPDATE SET "version" = "account"."version" + 1 RETURNING "id", "balance", "version"
  -- args: 3 10 1
SELECT setval(pg_get_serial_sequence($1, $2), $3) WHERE $3 >= nextval(pg_get_serial_sequence($1, $2))
  -- args: "\"account\"" "id" 3
COMMIT
