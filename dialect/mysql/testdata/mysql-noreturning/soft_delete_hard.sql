SELECT `id`, `title`, `version`, `deleted` FROM `doc` WHERE `deleted` IS NULL
DELETE FROM `doc` WHERE (`id` = ? AND `version` = ?)
  -- args: 1 1
