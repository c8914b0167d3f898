BEGIN
SAVEPOINT orm_sp_N
INSERT INTO "owner" ("name", "age", "email") VALUES ($1::text, $2::integer, $3::text) RETURNING "id"
  -- args: "Ann" 0 NULL
INSERT INTO "account" ("balance", "version") VALUES ($1::bigint, $2::bigint) RETURNING "id"
  -- args: 1 1
RELEASE SAVEPOINT orm_sp_N
COMMIT
