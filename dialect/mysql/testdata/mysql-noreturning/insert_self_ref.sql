BEGIN
INSERT INTO `node` (`name`, `parent_id`) VALUES (?, ?)
  -- args: "root" NULL
INSERT INTO `node` (`name`, `parent_id`) VALUES (?, ?)
  -- args: "child" 1000
COMMIT
