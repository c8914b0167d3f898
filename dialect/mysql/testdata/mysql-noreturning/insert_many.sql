SELECT @@auto_increment_increment
INSERT INTO `owner` (`name`, `age`, `email`) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)
  -- args: "Ann" 30 NULL "Bob" 0 "bob@example.com" "Cy" 0 NULL
