SELECT `id`, `balance`, `version` FROM `account`
UPDATE `account` SET `balance` = ?, `version` = `version` + 1 WHERE (`id` = ? AND `version` = ?)
  -- args: 90 1 3
