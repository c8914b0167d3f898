INSERT INTO "tag" ("id", "name") VALUES ($1::bigint, $2::text), ($3::bigint, $4::text) ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name" RETURNING "id", "name", (SELECT setval(pg_get_serial_sequence($5, $6), $7) WHERE $8 >= nextval(pg_get_serial_sequence($9, $10)))
  -- args: 5 "red" 6 "blue" "\"tag\"" "id" 6 6 "\"tag\"" "id"
