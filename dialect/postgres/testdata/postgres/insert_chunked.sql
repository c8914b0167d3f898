BEGIN
INSERT INTO "owner" ("name", "age", "email") VALUES ($1::text, $2::integer, $3::text), ($4::text, $5::integer, $6::text) RETURNING "id"
  -- args: "A" 0 NULL "B" 0 NULL
INSERT INTO "owner" ("name", "age", "email") VALUES ($1::text, $2::integer, $3::text), ($4::text, $5::integer, $6::text) RETURNING "id"
  -- args: "C" 0 NULL "D" 0 NULL
INSERT INTO "owner" ("name", "age", "email") VALUES ($1::text, $2::integer, $3::text) RETURNING "id"
  -- args: "E" 0 NULL
COMMIT
