SELECT "id", "model", "price", "sold", "owner_id" FROM "car"
UPDATE "car" SET "model" = ?, "price" = ?, "sold" = ? WHERE "id" = ?
  -- args: "T2" 19.5 true 1
