SELECT "id", "model", "price", "sold", "owner_id" FROM "car"
UPDATE "car" SET "sold" = $1::boolean WHERE "sold" = $2::boolean RETURNING "id", "model", "price", "sold", "owner_id"
  -- args: true false
