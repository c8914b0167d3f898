SELECT "id", "name", "age", "email" FROM "owner" WHERE "age" IN ($1::integer, $2::integer, $3::integer)
  -- args: 1 2 3
