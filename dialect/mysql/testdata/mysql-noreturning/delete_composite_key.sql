SELECT `left`, `right`, `note` FROM `pair`
DELETE FROM `pair` WHERE (`left` = ? AND `right` = ?) OR (`left` = ? AND `right` = ?)
  -- args: 1 2 1 3
