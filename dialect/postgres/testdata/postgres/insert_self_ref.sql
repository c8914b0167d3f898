BEGIN
INSERT INTO "node" ("name", "parent_id") VALUES ($1::text, $2::bigint) RETURNING "id"
  -- args: "root" NULL
INSERT INTO "node" ("name", "parent_id") VALUES ($1::text, $2::bigint) RETURNING "id"
  -- args: "child" 1
COMMIT
