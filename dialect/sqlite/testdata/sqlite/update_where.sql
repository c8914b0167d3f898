UPDATE "car" SET "model" = ?, "price" = "price" + ? WHERE "sold" = ?
  -- args: "X" 1.5 false
