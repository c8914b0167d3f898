SELECT `id`, `name`, `age`, `email` FROM `owner` ORDER BY `age` DESC, `name` LIMIT 10 OFFSET 20
