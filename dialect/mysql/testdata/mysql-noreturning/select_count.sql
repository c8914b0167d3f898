SELECT COUNT(*) FROM `owner` WHERE `age` > ?
  -- args: 18
