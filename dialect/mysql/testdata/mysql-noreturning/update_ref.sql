SELECT `id`, `model`, `price`, `sold`, `owner_id` FROM `car`
SELECT `id`, `name`, `age`, `email` FROM `owner`
UPDATE `car` SET `owner_id` = ? WHERE `id` = ?
  -- args: 2 1
