SELECT `id`, `model`, `price`, `sold`, `owner_id` FROM `car`
BEGIN
SELECT `id` FROM `car` WHERE `sold` = ? FOR UPDATE
  -- args: false
UPDATE `car` SET `sold` = ? WHERE (`sold` = ?) AND `id` = ?
  -- args: true false 1
SELECT `id`, `model`, `price`, `sold`, `owner_id` FROM `car` WHERE `id` = ?
  -- args: 1
COMMIT
