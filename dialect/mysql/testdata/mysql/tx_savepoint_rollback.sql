BEGIN
SELECT `id`, `balance`, `version` FROM `account`
SAVEPOINT orm_sp_N
UPDATE `account` SET `balance` = CASE WHEN `id` = ? THEN ? WHEN `id` = ? THEN ? ELSE `balance` END, `version` = `version` + 1 WHERE (`id` = ? AND `version` = ?) OR (`id` = ? AND `version` = ?)
  -- args: 1 90 2 60 1 3 2 1
ROLLBACK TO SAVEPOINT orm_sp_N
RELEASE SAVEPOINT orm_sp_N
SELECT `id`, `version` FROM `account` WHERE `id` IN (?, ?)
  -- args: 1 2
ROLLBACK
-- error: orm: optimistic lock failed: Account 1 (version 3) was changed or deleted by someone else
