SELECT `id`, `model`, `price`, `sold`, `owner_id` FROM `car`
BEGIN
SELECT `id` FROM `car` WHERE `model` = ? FOR UPDATE
  -- args: "T"
DELETE FROM `car` WHERE (`model` = ?) AND `id` = ?
  -- args: "T" 1
COMMIT
