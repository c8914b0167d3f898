SELECT "id", "model", "price", "sold", "owner_id" FROM "car"
BEGIN
DELETE FROM "car_tags" WHERE "car_id" IN ($1::bigint, $2::bigint)
  -- args: 1 2
DELETE FROM "car" WHERE "id" IN ($1::bigint, $2::bigint)
  -- args: 1 2
COMMIT
