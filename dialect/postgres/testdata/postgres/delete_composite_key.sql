SELECT "left", "right", "note" FROM "pair"
DELETE FROM "pair" WHERE ("left" = $1::bigint AND "right" = $2::bigint) OR ("left" = $3::bigint AND "right" = $4::bigint)
  -- args: 1 2 1 3
