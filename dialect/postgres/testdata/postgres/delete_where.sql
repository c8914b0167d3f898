DELETE FROM "owner" WHERE ("age" < $1::integer OR "email" IS NULL)
  -- args: 18
