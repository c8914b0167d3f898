SELECT "id", "name", "age", "email" FROM "owner" WHERE "name" NOT IN (?, ?)
  -- args: "a" "b"
