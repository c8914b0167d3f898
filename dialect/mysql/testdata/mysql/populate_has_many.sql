SELECT `id`, `name`, `age`, `email` FROM `owner`
SELECT `id`, `model`, `price`, `sold`, `owner_id` FROM `car` WHERE `owner_id` IN (?, ?)
  -- args: 1 2
