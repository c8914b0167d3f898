BEGIN
SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE `id` = ? FOR UPDATE
  -- args: 1
COMMIT
