BEGIN
SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE `age` = ? FOR UPDATE
  -- args: 30
COMMIT
