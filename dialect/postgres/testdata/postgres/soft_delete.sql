SELECT "id", "title", "version", "deleted" FROM "doc" WHERE "deleted" IS NULL
BEGIN
UPDATE "doc" SET "deleted" = CASE WHEN "id" = $1::bigint THEN $2::timestamptz WHEN "id" = $3::bigint THEN $4::timestamptz ELSE "deleted" END, "version" = "version" + 1 WHERE ("id" = $5::bigint AND "version" = $6::bigint) OR ("id" = $7::bigint AND "version" = $8::bigint)
  -- args: 1 2024-05-06T07:08:09.123456Z 2 2024-05-06T07:08:09.123456Z 1 1 2 1
COMMIT
