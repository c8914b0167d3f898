BEGIN
SAVEPOINT orm_sp_N
INSERT INTO "owner" ("name", "age", "email") VALUES (?, ?, ?) RETURNING "id"
  -- args: "Ann" 0 NULL
INSERT INTO "account" ("balance", "version") VALUES (?, ?) RETURNING "id"
  -- args: 1 1
RELEASE SAVEPOINT orm_sp_N
COMMIT
