UPDATE "car" SET "sold" = $1::boolean, "owner_id" = $2::bigint WHERE "owner_id" IN (SELECT "owner"."id" FROM "owner" WHERE "owner"."name" = $3::text)
  -- args: true NULL "Ann"
