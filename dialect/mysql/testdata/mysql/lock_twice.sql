BEGIN
SELECT `id`, `name`, `age`, `email` FROM `owner` WHERE `age` = ? FOR UPDATE
  -- args: 1
SELECT `id`, `balance`, `version` FROM `account` LIMIT 5 LOCK IN SHARE MODE
SELECT COUNT(*) FROM `account`
COMMIT
