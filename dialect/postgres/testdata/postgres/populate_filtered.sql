SELECT "id", "num", "doc_id" FROM "page" WHERE "num" > $1::bigint
  -- args: 0
SELECT "id", "title", "version", "deleted" FROM "doc" WHERE ("id" IN ($1::bigint) AND "deleted" IS NULL)
  -- args: 7
