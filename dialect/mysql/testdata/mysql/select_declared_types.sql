SELECT `id`, `color`, `coat`, `label`, `total`, `stamp` FROM `paint` WHERE (`total` > ? AND `label` = ?)
  -- args: 5 "x"
