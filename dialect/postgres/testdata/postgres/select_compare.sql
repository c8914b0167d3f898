SELECT "id", "name", "age", "email" FROM "owner" WHERE ("name" = $1::text AND "age" <> $2::integer AND "age" > $3::integer AND "age" >= $4::integer AND "age" < $5::integer AND "age" <= $6::integer)
  -- args: "Ann" 1 2 3 4 5
