UPDATE `doc` SET `deleted` = ?, `version` = `version` + ? WHERE (`title` = ? AND `deleted` IS NULL)
  -- args: 2024-05-06T07:08:09.123456Z 1 "a"
DELETE FROM `doc` WHERE `deleted` < ?
  -- args: 2024-05-06T07:08:09.123456789Z
