BEGIN
INSERT INTO "paint" ("color", "coat", "label", "total", "price") VALUES ($1::text, $2::smallint, $3::text, $4::decimal, $5::numeric) RETURNING "id", "color", "coat", "label", "total", "stamp", "price"
  -- args: "red" NULL "a" 0 ""
INSERT INTO "paint" ("color", "coat", "label", "total", "stamp", "price") VALUES ($1::text, $2::smallint, $3::text, $4::decimal, $5::text, $6::numeric) RETURNING "id"
  -- args: "red" NULL "b" 0 "old" ""
COMMIT
