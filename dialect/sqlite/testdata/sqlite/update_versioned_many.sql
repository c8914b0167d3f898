SELECT "id", "balance", "version" FROM "account"
BEGIN
UPDATE "account" SET "balance" = CASE WHEN "id" = ? THEN ? WHEN "id" = ? THEN ? ELSE "balance" END, "version" = "version" + 1 WHERE ("id" = ? AND "version" = ?) OR ("id" = ? AND "version" = ?)
  -- args: 1 90 2 60 1 3 2 1
COMMIT
