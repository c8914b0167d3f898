SELECT "id", "model", "price", "sold", "owner_id" FROM "car"
DELETE FROM "car" WHERE "model" = ? RETURNING "id", "model", "price", "sold", "owner_id"
  -- args: "T"
