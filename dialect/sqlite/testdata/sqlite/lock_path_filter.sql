BEGIN
DELETE FROM "car" WHERE 0
SELECT "id", "model", "price", "sold", "owner_id" FROM "car" WHERE "owner_id" IN (SELECT "owner"."id" FROM "owner" WHERE "owner"."name" = ?)
  -- args: "Ann"
COMMIT
