BEGIN
SELECT "id", "name", "age", "email" FROM "owner" FOR UPDATE
SELECT "id", "model", "price", "sold", "owner_id" FROM "car" WHERE "owner_id" IN ($1::bigint, $2::bigint)
  -- args: 1 2
COMMIT
