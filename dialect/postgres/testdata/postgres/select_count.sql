SELECT COUNT(*) FROM "owner" WHERE "age" > $1::integer
  -- args: 18
