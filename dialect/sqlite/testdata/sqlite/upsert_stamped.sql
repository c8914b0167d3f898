INSERT INTO "memo" ("id", "text", "created", "updated") VALUES (?, ?, ?, ?) ON CONFLICT ("id") DO UPDATE SET "text" = excluded."text", "updated" = excluded."updated" RETURNING "id", "text", "created", "updated"
  -- args: 3 "u" 2024-05-06T07:08:09.123456789Z 2024-05-06T07:08:09.123456789Z
