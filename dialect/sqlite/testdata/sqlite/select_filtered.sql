SELECT "id", "title", "version", "deleted" FROM "doc" WHERE ("title" = ? AND "deleted" IS NULL)
  -- args: "a"
SELECT COUNT(*) FROM "doc"
SELECT "id", "num", "doc_id" FROM "page" WHERE ("doc_id" IN (SELECT "doc"."id" FROM "doc" WHERE ("doc"."title" = ? AND "doc"."deleted" IS NULL)) AND "num" > ?)
  -- args: "a" 0
