BEGIN
INSERT INTO "paint" ("color", "coat", "label", "total") VALUES ($1::text, $2::smallint, $3::text, $4::decimal) RETURNING "id", "color", "coat", "label", "total", "stamp"
  -- args: "red" NULL "a" 0
INSERT INTO "paint" ("color", "coat", "label", "total", "stamp") VALUES ($1::text, $2::smallint, $3::text, $4::decimal, $5::text) RETURNING "id"
  -- args: "red" NULL "b" 0 "old"
COMMIT
