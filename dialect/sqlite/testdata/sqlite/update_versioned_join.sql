SELECT "id", "balance", "version" FROM "account"
BEGIN
UPDATE "account" SET "balance" = "orm_v"."column2", "version" = "account"."version" + 1 FROM (VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)) AS "orm_v" WHERE "account"."id" = "orm_v"."column1" AND "account"."version" = "orm_v"."column3"
  -- args: 1 11 1 2 11 1 3 11 1 4 11 1 5 11 1 6 11 1 7 11 1 8 11 1 9 11 1 10 11 1 11 11 1 12 11 1 13 11 1 14 11 1 15 11 1 16 11 1 17 11 1
COMMIT
