BEGIN
INSERT INTO `memo` (`id`, `text`, `created`, `updated`) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE `text` = VALUES(`text`), `updated` = VALUES(`updated`)
  -- args: 3 "u" 2024-05-06T07:08:09.123456Z 2024-05-06T07:08:09.123456Z
SELECT `id`, `text`, `created`, `updated` FROM `memo` WHERE `id` IN (?)
  -- args: 3
COMMIT
