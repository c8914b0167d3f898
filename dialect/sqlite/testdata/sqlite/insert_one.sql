INSERT INTO "owner" ("name", "age", "email") VALUES (?, ?, ?) RETURNING "id"
  -- args: "Ann" 30 NULL
