SELECT `id`, `text`, `created`, `updated` FROM `memo`
UPDATE `memo` SET `text` = ?, `updated` = ? WHERE `id` = ?
  -- args: "a2" 2024-05-06T07:08:09.123456Z 1
