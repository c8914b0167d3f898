BEGIN
SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE `age` IN (?, ?) FOR SHARE NOWAIT
  -- args: 1 2
COMMIT
