BEGIN
INSERT INTO `owner` (`name`, `age`, `email`) VALUES (?, ?, ?)
  -- args: "Ann" 0 NULL
SELECT @@auto_increment_increment
INSERT INTO `tag` (`name`) VALUES (?), (?)
  -- args: "red" "blue"
SELECT @@auto_increment_increment
INSERT INTO `car` (`model`, `price`, `sold`, `owner_id`) VALUES (?, ?, ?, ?), (?, ?, ?, ?)
  -- args: "T" 0 false 1000 "S" 0 false 1000
INSERT INTO `car_tags` (`car_id`, `tag_id`) VALUES (?, ?), (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `car_id` = `car_id`
  -- args: 3000 2000 3000 2001 3001 2000
COMMIT
