SELECT "id", "text", "created", "updated" FROM "memo"
UPDATE "memo" SET "text" = $1::text, "updated" = $2::timestamptz WHERE "id" = $3::bigint
  -- args: "a2" 2024-05-06T07:08:09.123456Z 1
