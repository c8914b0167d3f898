INSERT INTO "pair" ("left", "right", "note") VALUES ($1::bigint, $2::bigint, $3::text), ($4::bigint, $5::bigint, $6::text)
  -- args: 1 2 "a" 1 3 ""
