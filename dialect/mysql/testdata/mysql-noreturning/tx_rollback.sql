BEGIN
INSERT INTO `owner` (`name`, `age`, `email`) VALUES (?, ?, ?)
  -- args: "Ann" 0 NULL
ROLLBACK
-- error: context canceled
