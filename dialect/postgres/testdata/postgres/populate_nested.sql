SELECT "id", "name", "age", "email" FROM "owner"
SELECT "id", "model", "price", "sold", "owner_id" FROM "car" WHERE "owner_id" IN ($1::bigint)
  -- args: 1
SELECT "tag"."id", "tag"."name", "car_tags"."car_id" FROM "tag" JOIN "car_tags" ON "car_tags"."tag_id" = "tag"."id" WHERE "car_tags"."car_id" IN ($1::bigint)
  -- args: 1
