SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE `name` LIKE ? ESCAPE '!'
  -- args: "A!_%"
