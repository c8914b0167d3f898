BEGIN
INSERT INTO "owner" ("name", "age", "email") VALUES (?, ?, ?), (?, ?, ?) RETURNING "id"
  -- args: "A" 0 NULL "B" 0 NULL
INSERT INTO "owner" ("name", "age", "email") VALUES (?, ?, ?), (?, ?, ?) RETURNING "id"
  -- args: "C" 0 NULL "D" 0 NULL
INSERT INTO "owner" ("name", "age", "email") VALUES (?, ?, ?) RETURNING "id"
  -- args: "E" 0 NULL
COMMIT
