SELECT "id", "num", "doc_id" FROM "page" WHERE "num" > ?
  -- args: 0
SELECT "id", "title", "version", "deleted" FROM "doc" WHERE ("id" IN (?) AND "deleted" IS NULL)
  -- args: 7
