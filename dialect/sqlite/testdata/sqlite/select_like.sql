SELECT "id", "name", "age", "email" FROM "owner" WHERE "name" GLOB ?
  -- args: "A_*"
