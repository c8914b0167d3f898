INSERT INTO `counter` () VALUES (), (), () RETURNING `id`
