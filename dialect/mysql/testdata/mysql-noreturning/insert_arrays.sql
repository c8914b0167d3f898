SELECT @@auto_increment_increment
INSERT INTO `owner` (`name`, `age`, `email`) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)
  -- args: "o0" 0 NULL "o1" 1 "o1@example.com" "o2" 2 NULL "o3" 3 "o3@example.com" "o4" 4 NULL "o5" 5 "o5@example.com" "o6" 6 NULL "o7" 7 "o7@example.com" "o8" 8 NULL "o9" 9 "o9@example.com" "o10" 10 NULL "o11" 11 "o11@example.com" "o12" 12 NULL "o13" 13 "o13@example.com" "o14" 14 NULL "o15" 15 "o15@example.com" "o16" 16 NULL
