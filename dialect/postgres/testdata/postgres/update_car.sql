SELECT "id", "model", "price", "sold", "owner_id" FROM "car"
UPDATE "car" SET "model" = $1::text, "price" = $2::double precision, "sold" = $3::boolean WHERE "id" = $4::bigint
  -- args: "T2" 19.5 true 1
