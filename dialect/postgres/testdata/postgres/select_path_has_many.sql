SELECT "id", "name", "age", "email" FROM "owner" WHERE "id" IN (SELECT "car"."owner_id" FROM "car" WHERE "car"."model" = $1::text)
  -- args: "T"
