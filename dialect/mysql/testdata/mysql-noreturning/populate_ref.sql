SELECT `id`, `model`, `price`, `sold`, `owner_id` FROM `car`
SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE `id` IN (?, ?)
  -- args: 7 8
