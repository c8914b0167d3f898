BEGIN
INSERT INTO `paint` (`color`, `coat`, `label`, `total`) VALUES (?, ?, ?, ?)
  -- args: "red" NULL "a" 0
SELECT `id`, `color`, `coat`, `label`, `total`, `stamp` FROM `paint` WHERE `id` = ?
  -- args: 1000
INSERT INTO `paint` (`color`, `coat`, `label`, `total`, `stamp`) VALUES (?, ?, ?, ?, ?)
  -- args: "red" NULL "b" 0 "old"
COMMIT
