UPDATE "car" SET "sold" = ?, "owner_id" = ? WHERE "owner_id" IN (SELECT "owner"."id" FROM "owner" WHERE "owner"."name" = ?)
  -- args: true NULL "Ann"
