SELECT @@auto_increment_increment
INSERT INTO `memo` (`text`, `created`, `updated`) VALUES (?, ?, ?), (?, ?, ?)
  -- args: "a" 2024-05-06T07:08:09.123456Z 2024-05-06T07:08:09.123456Z "b" 2001-02-03T04:05:06Z 2024-05-06T07:08:09.123456Z
