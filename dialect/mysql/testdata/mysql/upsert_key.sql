INSERT INTO `tag` (`id`, `name`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`) RETURNING `id`, `name`
  -- args: 5 "red" 6 "blue"
