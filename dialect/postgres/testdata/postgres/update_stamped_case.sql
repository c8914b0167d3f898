SELECT "id", "text", "created", "updated" FROM "memo"
UPDATE "memo" SET "text" = CASE WHEN "id" = $1::bigint THEN $2::text WHEN "id" = $3::bigint THEN $4::text ELSE "text" END, "updated" = CASE WHEN "id" = $5::bigint THEN $6::timestamptz WHEN "id" = $7::bigint THEN $8::timestamptz ELSE "updated" END WHERE "id" IN ($9::bigint, $10::bigint)
  -- args: 1 "a2" 2 "b2" 1 2024-05-06T07:08:09.123456Z 2 2024-05-06T07:08:09.123456Z 1 2
