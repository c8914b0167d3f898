SELECT "id", "title", "version", "deleted" FROM "doc" WHERE "deleted" IS NULL
DELETE FROM "doc" WHERE ("id" = $1::bigint AND "version" = $2::bigint)
  -- args: 1 1
