SELECT "id", "balance", "version" FROM "account"
BEGIN
UPDATE "account" SET "balance" = "orm_v"."column2", "version" = "account"."version" + 1 FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS "orm_v"("column1", "column2", "column3") WHERE "account"."id" = "orm_v"."column1" AND "account"."version" = "orm_v"."column3"
  -- args: [1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17] [11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11] [1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1]
COMMIT
