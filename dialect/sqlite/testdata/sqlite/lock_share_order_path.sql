BEGIN
DELETE FROM "car" WHERE 0
SELECT "car"."id", "car"."model", "car"."price", "car"."sold", "car"."owner_id" FROM "car" LEFT JOIN "owner" AS "orm_o0_0" ON "orm_o0_0"."id" = "car"."owner_id" ORDER BY "orm_o0_0"."name"
COMMIT
