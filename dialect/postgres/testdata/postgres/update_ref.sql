SELECT "id", "model", "price", "sold", "owner_id" FROM "car"
SELECT "id", "name", "age", "email" FROM "owner"
UPDATE "car" SET "owner_id" = $1::bigint WHERE "id" = $2::bigint
  -- args: 2 1
