DELETE FROM `owner` WHERE (`age` < ? OR `email` IS NULL)
  -- args: 18
