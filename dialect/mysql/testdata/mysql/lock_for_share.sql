BEGIN
SELECT `id`, `name`, `age`, `email` FROM `owner` LOCK IN SHARE MODE
COMMIT
