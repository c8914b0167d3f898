UPDATE `memo` SET `text` = ?, `updated` = ? WHERE `text` = ?
  -- args: "b" 2024-05-06T07:08:09.123456Z "a"
