BEGIN
INSERT INTO `account` (`id`, `balance`, `version`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `version` = `version` + 1
  -- args: 3 10 1
SELECT `id`, `balance`, `version` FROM `account` WHERE `id` IN (?)
  -- args: 3
COMMIT
