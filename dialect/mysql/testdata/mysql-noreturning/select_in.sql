SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE `age` IN (?, ?, ?)
  -- args: 1 2 3
