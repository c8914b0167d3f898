BEGIN READ ONLY
SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE `id` = ?
  -- args: 1
COMMIT
