SELECT "id", "name", "age", "email" FROM "owner" WHERE ("email" <> $1::text OR "email" IS NULL)
  -- args: "a@example.com"
