BEGIN
INSERT INTO "tag" ("id", "name") VALUES ($1::bigint, $2::text), ($3::bigint, $4::text) ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name" RETURNING "id", "name"
  -- args: 5 "red" 6 "blue"
SELECT setval(pg_get_serial_sequence($1, $2), $3) WHERE $3 >= nextval(pg_get_serial_sequence($1, $2))
  -- args: "\"tag\"" "id" 6
COMMIT
