INSERT INTO "owner" ("name", "age", "email") VALUES ($1::text, $2::integer, $3::text), ($4::text, $5::integer, $6::text), ($7::text, $8::integer, $9::text) RETURNING "id"
  -- args: "Ann" 30 NULL "Bob" 0 "bob@example.com" "Cy" 0 NULL
