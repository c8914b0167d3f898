BEGIN
INSERT INTO "owner" ("id", "name", "age", "email") VALUES ($1::bigint, $2::text, $3::integer, $4::text), ($5::bigint, $6::text, $7::integer, $8::text)
  -- args: 10 "Ten" 0 NULL 12 "Twelve" 0 NULL
SELECT setval(pg_get_serial_sequence($1, $2), $3) WHERE $4 >= nextval(pg_get_serial_sequence($5, $6))
  -- args: "\"owner\"" "id" 12 12 "\"owner\"" "id"
COMMIT
