INSERT INTO "tag" ("name") VALUES (?) ON CONFLICT ("name") DO UPDATE SET "name" = excluded."name" RETURNING "id", "name"
  -- args: "red"
