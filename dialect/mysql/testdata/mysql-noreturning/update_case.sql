SELECT `id`, `name`, `age`, `email` FROM `owner`
UPDATE `owner` SET `name` = CASE WHEN `id` = ? THEN ? WHEN `id` = ? THEN ? ELSE `name` END, `age` = CASE WHEN `id` = ? THEN ? WHEN `id` = ? THEN ? ELSE `age` END WHERE `id` IN (?, ?, ?)
  -- args: 1 "A" 3 "C" 2 41 3 43 1 2 3
