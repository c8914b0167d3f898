UPDATE "doc" SET "deleted" = $1::timestamptz, "version" = "version" + $2::bigint WHERE ("title" = $3::text AND "deleted" IS NULL)
  -- args: 2024-05-06T07:08:09.123456Z 1 "a"
DELETE FROM "doc" WHERE "deleted" < $1::timestamptz
  -- args: 2024-05-06T07:08:09.123456789Z
