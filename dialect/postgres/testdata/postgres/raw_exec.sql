UPDATE owner SET age = age + $1 WHERE name = $2
  -- args: 1 "Ann"
