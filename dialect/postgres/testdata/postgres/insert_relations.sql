BEGIN
INSERT INTO "owner" ("name", "age", "email") VALUES ($1::text, $2::integer, $3::text) RETURNING "id"
  -- args: "Ann" 0 NULL
INSERT INTO "tag" ("name") VALUES ($1::text), ($2::text) RETURNING "id"
  -- args: "red" "blue"
INSERT INTO "car" ("model", "price", "sold", "owner_id") VALUES ($1::text, $2::double precision, $3::boolean, $4::bigint), ($5::text, $6::double precision, $7::boolean, $8::bigint) RETURNING "id"
  -- args: "T" 0 false 1 "S" 0 false 1
INSERT INTO "car_tags" ("car_id", "tag_id") VALUES ($1::bigint, $2::bigint), ($3::bigint, $4::bigint), ($5::bigint, $6::bigint) ON CONFLICT DO NOTHING
  -- args: 4 2 4 3 5 2
COMMIT
