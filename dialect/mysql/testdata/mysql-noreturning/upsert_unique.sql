BEGIN
INSERT INTO `tag` (`name`) VALUES (?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)
  -- args: "red"
SELECT `id`, `name` FROM `tag` WHERE `name` IN (?)
  -- args: "red"
COMMIT
