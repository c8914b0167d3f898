SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE (age BETWEEN ? AND ?)
  -- args: 18 65
