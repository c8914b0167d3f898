INSERT INTO "owner" ("id", "name", "age", "email") VALUES (?, ?, ?, ?), (?, ?, ?, ?)
  -- args: 10 "Ten" 0 NULL 12 "Twelve" 0 NULL
