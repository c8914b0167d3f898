SELECT "id", "balance", "version" FROM "account"
BEGIN
DELETE FROM "account" WHERE ("id" = ? AND "version" = ?) OR ("id" = ? AND "version" = ?)
  -- args: 1 3 2 7
COMMIT
