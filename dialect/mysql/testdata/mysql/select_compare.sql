SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE (`name` = ? AND `age` <> ? AND `age` > ? AND `age` >= ? AND `age` < ? AND `age` <= ?)
  -- args: "Ann" 1 2 3 4 5
