UPDATE "memo" SET "text" = $1::text, "updated" = $2::timestamptz WHERE "text" = $3::text
  -- args: "b" 2024-05-06T07:08:09.123456Z "a"
