SELECT "id", "color", "coat", "label", "total", "stamp", "price" FROM "paint" WHERE ("total" > ? AND "label" = ? AND "price" >= ?)
  -- args: 5 "x" "9.99"
