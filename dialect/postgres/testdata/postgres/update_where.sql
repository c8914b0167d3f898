UPDATE "car" SET "model" = $1::text, "price" = "price" + $2::double precision WHERE "sold" = $3::boolean
  -- args: "X" 1.5 false
