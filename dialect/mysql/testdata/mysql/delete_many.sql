SELECT `id`, `name`, `age`, `email` FROM `owner`
DELETE FROM `owner` WHERE `id` IN (?, ?)
  -- args: 1 3
