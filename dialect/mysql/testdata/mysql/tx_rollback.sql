BEGIN
INSERT INTO `owner` (`name`, `age`, `email`) VALUES (?, ?, ?) RETURNING `id`
  -- args: "Ann" 0 NULL
ROLLBACK
-- error: context canceled
