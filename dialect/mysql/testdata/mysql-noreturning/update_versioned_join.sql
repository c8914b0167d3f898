SELECT `id`, `balance`, `version` FROM `account`
BEGIN
UPDATE `account` JOIN (SELECT ? AS `column1`, ? AS `column2`, ? AS `column3` UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ? UNION ALL SELECT ?, ?, ?) AS `orm_v` ON `account`.`id` = `orm_v`.`column1` AND `account`.`version` = `orm_v`.`column3` SET `account`.`balance` = `orm_v`.`column2`, `account`.`version` = `account`.`version` + 1
  -- args: 1 11 1 2 11 1 3 11 1 4 11 1 5 11 1 6 11 1 7 11 1 8 11 1 9 11 1 10 11 1 11 11 1 12 11 1 13 11 1 14 11 1 15 11 1 16 11 1 17 11 1
COMMIT
