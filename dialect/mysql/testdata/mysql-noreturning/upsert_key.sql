BEGIN
INSERT INTO `tag` (`id`, `name`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)
  -- args: 5 "red" 6 "blue"
SELECT `id`, `name` FROM `tag` WHERE `id` IN (?, ?)
  -- args: 5 6
COMMIT
