BEGIN
INSERT INTO `paint` (`color`, `coat`, `label`, `total`) VALUES (?, ?, ?, ?) RETURNING `id`, `color`, `coat`, `label`, `total`, `stamp`
  -- args: "red" NULL "a" 0
INSERT INTO `paint` (`color`, `coat`, `label`, `total`, `stamp`) VALUES (?, ?, ?, ?, ?) RETURNING `id`
  -- args: "red" NULL "b" 0 "old"
COMMIT
