SELECT "id", "model", "price", "sold", "owner_id" FROM "car"
SELECT "id", "name", "age", "email" FROM "owner" WHERE "id" IN ($1::bigint, $2::bigint)
  -- args: 7 8
