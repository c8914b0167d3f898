SELECT `id`, `model`, `price`, `sold`, `owner_id` FROM `car` WHERE `id` IN (SELECT `car_tags`.`car_id` FROM `car_tags` JOIN `tag` ON `tag`.`id` = `car_tags`.`tag_id` WHERE `tag`.`name` = ?)
  -- args: "red"
