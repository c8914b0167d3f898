BEGIN
SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE `age` IN (?, ?) LOCK IN SHARE MODE NOWAIT
  -- args: 1 2
COMMIT
