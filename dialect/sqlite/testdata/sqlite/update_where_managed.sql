SELECT "id", "model", "price", "sold", "owner_id" FROM "car"
UPDATE "car" SET "sold" = ? WHERE "sold" = ? RETURNING "id", "model", "price", "sold", "owner_id"
  -- args: true false
