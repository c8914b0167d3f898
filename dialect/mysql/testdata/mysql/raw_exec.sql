UPDATE owner SET age = age + ? WHERE name = ?
  -- args: 1 "Ann"
