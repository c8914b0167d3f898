SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE (1 = 0 OR 1 = 1)
