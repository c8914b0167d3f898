SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE (`name` <> ? AND ((age > ?)) IS NOT TRUE)
  -- args: "a" 3
