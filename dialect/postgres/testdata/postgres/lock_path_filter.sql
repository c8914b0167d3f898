BEGIN
SELECT "id", "model", "price", "sold", "owner_id" FROM "car" WHERE "owner_id" IN (SELECT "owner"."id" FROM "owner" WHERE "owner"."name" = $1::text) FOR UPDATE NOWAIT
  -- args: "Ann"
COMMIT
