SELECT "id", "text", "created", "updated" FROM "memo"
UPDATE "memo" SET "text" = CASE WHEN "id" = ? THEN ? WHEN "id" = ? THEN ? ELSE "text" END, "updated" = CASE WHEN "id" = ? THEN ? WHEN "id" = ? THEN ? ELSE "updated" END WHERE "id" IN (?, ?)
  -- args: 1 "a2" 2 "b2" 1 2024-05-06T07:08:09.123456789Z 2 2024-05-06T07:08:09.123456789Z 1 2
