SELECT `id`, `model`, `price`, `sold`, `owner_id` FROM `car`
BEGIN
DELETE FROM `car_tags` WHERE `car_id` IN (?, ?)
  -- args: 1 2
DELETE FROM `car` WHERE `id` IN (?, ?)
  -- args: 1 2
COMMIT
