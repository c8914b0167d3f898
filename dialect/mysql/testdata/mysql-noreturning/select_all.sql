SELECT `id`, `name`, `age`, `email` FROM `owner`
