SELECT "id", "name", "age", "email" FROM "owner" WHERE "name" LIKE $1::text ESCAPE '!'
  -- args: "A!_%"
