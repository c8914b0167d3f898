SELECT `id`, `title`, `version`, `deleted` FROM `doc` WHERE `deleted` IS NULL
BEGIN
UPDATE `doc` SET `deleted` = CASE WHEN `id` = ? THEN ? WHEN `id` = ? THEN ? ELSE `deleted` END, `version` = `version` + 1 WHERE (`id` = ? AND `version` = ?) OR (`id` = ? AND `version` = ?)
  -- args: 1 2024-05-06T07:08:09.123456Z 2 2024-05-06T07:08:09.123456Z 1 1 2 1
COMMIT
