INSERT INTO `tag` (`name`) VALUES (?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`) RETURNING `id`, `name`
  -- args: "red"
