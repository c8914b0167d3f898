SELECT `id`, `model`, `price`, `sold`, `owner_id` FROM `car`
SELECT `tag`.`id`, `tag`.`name`, `car_tags`.`car_id` FROM `tag` JOIN `car_tags` ON `car_tags`.`tag_id` = `tag`.`id` WHERE `car_tags`.`car_id` IN (?, ?)
  -- args: 1 2
