SELECT "id", "color", "coat", "label", "total", "stamp" FROM "paint" WHERE ("total" > $1::decimal AND "label" = $2::text)
  -- args: 5 "x"
