BEGIN
INSERT INTO `node` (`name`, `parent_id`) VALUES (?, ?) RETURNING `id`
  -- args: "root" NULL
INSERT INTO `node` (`name`, `parent_id`) VALUES (?, ?) RETURNING `id`
  -- args: "child" 1
COMMIT
