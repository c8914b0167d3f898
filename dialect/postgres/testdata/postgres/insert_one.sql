INSERT INTO "owner" ("name", "age", "email") VALUES ($1::text, $2::integer, $3::text) RETURNING "id"
  -- args: "Ann" 30 NULL
