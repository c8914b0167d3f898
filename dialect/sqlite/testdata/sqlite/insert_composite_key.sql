INSERT INTO "pair" ("left", "right", "note") VALUES (?, ?, ?), (?, ?, ?)
  -- args: 1 2 "a" 1 3 ""
