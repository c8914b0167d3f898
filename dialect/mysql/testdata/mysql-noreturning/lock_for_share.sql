BEGIN
SELECT `id`, `name`, `age`, `email` FROM `owner` FOR SHARE
COMMIT
