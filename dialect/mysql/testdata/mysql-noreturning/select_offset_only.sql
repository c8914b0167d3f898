SELECT `id`, `name`, `age`, `email` FROM `owner` LIMIT 18446744073709551615 OFFSET 5
