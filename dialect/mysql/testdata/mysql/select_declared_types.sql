SELECT `id`, `color`, `coat`, `label`, `total`, `stamp`, `price` FROM `paint` WHERE (`total` > ? AND `label` = ? AND `price` >= CAST(? AS DECIMAL(65,30)))
  -- args: 5 "x" "9.99"
