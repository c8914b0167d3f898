SELECT "id", "model", "price", "sold", "owner_id" FROM "car"
DELETE FROM "car" WHERE "model" = $1::text RETURNING "id", "model", "price", "sold", "owner_id"
  -- args: "T"
