BEGIN
SELECT @@auto_increment_increment
INSERT INTO `owner` (`name`, `age`, `email`) VALUES (?, ?, ?), (?, ?, ?)
  -- args: "A" 0 NULL "B" 0 NULL
SELECT @@auto_increment_increment
INSERT INTO `owner` (`name`, `age`, `email`) VALUES (?, ?, ?), (?, ?, ?)
  -- args: "C" 0 NULL "D" 0 NULL
INSERT INTO `owner` (`name`, `age`, `email`) VALUES (?, ?, ?)
  -- args: "E" 0 NULL
COMMIT
