BEGIN
INSERT INTO `paint` (`color`, `coat`, `label`, `total`, `price`) VALUES (?, ?, ?, ?, CAST(? AS DECIMAL(65,30))) RETURNING `id`, `color`, `coat`, `label`, `total`, `stamp`, `price`
  -- args: "red" NULL "a" 0 ""
INSERT INTO `paint` (`color`, `coat`, `label`, `total`, `stamp`, `price`) VALUES (?, ?, ?, ?, ?, CAST(? AS DECIMAL(65,30))) RETURNING `id`
  -- args: "red" NULL "b" 0 "old" ""
COMMIT
