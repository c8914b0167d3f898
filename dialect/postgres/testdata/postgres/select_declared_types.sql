SELECT "id", "color", "coat", "label", "total", "stamp", "price" FROM "paint" WHERE ("total" > $1::decimal AND "label" = $2::text AND "price" >= $3::numeric)
  -- args: 5 "x" "9.99"
