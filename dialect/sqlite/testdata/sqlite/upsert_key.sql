INSERT INTO "tag" ("id", "name") VALUES (?, ?), (?, ?) ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name" RETURNING "id", "name"
  -- args: 5 "red" 6 "blue"
