SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE (`email` <> ? OR `email` IS NULL)
  -- args: "a@example.com"
