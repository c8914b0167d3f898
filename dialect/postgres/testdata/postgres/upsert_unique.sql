INSERT INTO "tag" ("name") VALUES ($1::text) ON CONFLICT ("name") DO UPDATE SET "name" = excluded."name" RETURNING "id", "name"
  -- args: "red"
