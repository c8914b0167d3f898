SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE (`email` IS NULL OR `email` IS NOT NULL)
