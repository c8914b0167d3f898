BEGIN
INSERT INTO `paint` (`color`, `coat`, `label`, `total`, `price`) VALUES (?, ?, ?, ?, CAST(? AS DECIMAL(65,30)))
  -- args: "red" NULL "a" 0 ""
SELECT `id`, `color`, `coat`, `label`, `total`, `stamp`, `price` FROM `paint` WHERE `id` = ?
  -- args: 1000
INSERT INTO `paint` (`color`, `coat`, `label`, `total`, `stamp`, `price`) VALUES (?, ?, ?, ?, ?, CAST(? AS DECIMAL(65,30)))
  -- args: "red" NULL "b" 0 "old" ""
COMMIT
