SELECT "id", "name", "age", "email" FROM "owner" WHERE "age" = ANY($1::integer[])
  -- args: [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16]
