SELECT "id", "name", "age", "email" FROM "owner" WHERE "name" NOT IN ($1::text, $2::text)
  -- args: "a" "b"
