SELECT "id", "name", "age", "email" FROM "owner"
UPDATE "owner" SET "name" = ? WHERE "id" = ?
  -- args: "Ann" 1
