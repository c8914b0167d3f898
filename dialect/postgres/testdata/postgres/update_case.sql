SELECT "id", "name", "age", "email" FROM "owner"
UPDATE "owner" SET "name" = CASE WHEN "id" = $1::bigint THEN $2::text WHEN "id" = $3::bigint THEN $4::text ELSE "name" END, "age" = CASE WHEN "id" = $5::bigint THEN $6::integer WHEN "id" = $7::bigint THEN $8::integer ELSE "age" END WHERE "id" IN ($9::bigint, $10::bigint, $11::bigint)
  -- args: 1 "A" 3 "C" 2 41 3 43 1 2 3
