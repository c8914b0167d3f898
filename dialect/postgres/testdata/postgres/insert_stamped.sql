INSERT INTO "memo" ("text", "created", "updated") VALUES ($1::text, $2::timestamptz, $3::timestamptz), ($4::text, $5::timestamptz, $6::timestamptz) RETURNING "id"
  -- args: "a" 2024-05-06T07:08:09.123456Z 2024-05-06T07:08:09.123456Z "b" 2001-02-03T04:05:06Z 2024-05-06T07:08:09.123456Z
