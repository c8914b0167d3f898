SELECT "id", "name", "age", "email" FROM "owner"
UPDATE "owner" SET "name" = $1::text WHERE "id" = $2::bigint
  -- args: "Ann" 1
