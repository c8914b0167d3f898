BEGIN
SAVEPOINT orm_sp_N
INSERT INTO "owner" ("name", "age", "email") VALUES ($1::text, $2::integer, $3::text) RETURNING "id"
  -- args: "Ann" 0 NULL
RELEASE SAVEPOINT orm_sp_N
ROLLBACK
-- error: context canceled
