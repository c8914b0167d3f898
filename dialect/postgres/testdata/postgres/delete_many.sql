SELECT "id", "name", "age", "email" FROM "owner"
DELETE FROM "owner" WHERE "id" IN ($1::bigint, $2::bigint)
  -- args: 1 3
