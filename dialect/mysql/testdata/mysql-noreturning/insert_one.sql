INSERT INTO `owner` (`name`, `age`, `email`) VALUES (?, ?, ?)
  -- args: "Ann" 30 NULL
