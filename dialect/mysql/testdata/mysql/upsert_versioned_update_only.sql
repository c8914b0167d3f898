INSERT INTO `account` (`id`, `balance`, `version`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `version` = `version` + 1 RETURNING `id`, `balance`, `version`
  -- args: 3 10 1
