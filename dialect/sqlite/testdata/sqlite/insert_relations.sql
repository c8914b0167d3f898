BEGIN
INSERT INTO "owner" ("name", "age", "email") VALUES (?, ?, ?) RETURNING "id"
  -- args: "Ann" 0 NULL
INSERT INTO "tag" ("name") VALUES (?), (?) RETURNING "id"
  -- args: "red" "blue"
INSERT INTO "car" ("model", "price", "sold", "owner_id") VALUES (?, ?, ?, ?), (?, ?, ?, ?) RETURNING "id"
  -- args: "T" 0 false 1 "S" 0 false 1
INSERT INTO "car_tags" ("car_id", "tag_id") VALUES (?, ?), (?, ?), (?, ?) ON CONFLICT DO NOTHING
  -- args: 4 2 4 3 5 2
COMMIT
