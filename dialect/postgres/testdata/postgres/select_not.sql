SELECT "id", "name", "age", "email" FROM "owner" WHERE ("name" <> $1::text AND ((age > $2)) IS NOT TRUE)
  -- args: "a" 3
