SELECT "id", "color", "coat", "label", "total" FROM "paint" WHERE ("total" > ? AND "label" = ?)
  -- args: 5 "x"
